/**
 * Side effect: registers every `onnx.*` recipe handler in core's default registry.
 * Import once: `import '@whittle/onnx/register';`.
 */
export {};
