/**
 * `@whittle/onnx`: ONNX models as whittle models.
 */
export {};
