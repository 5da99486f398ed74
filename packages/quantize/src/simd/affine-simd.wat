;; Hand-written WebAssembly SIMD kernels for int2–8 symmetric per-channel quantization.
;; Source of the bytes in affine-simd-module.ts; regenerate with
;; `node packages/quantize/scripts/build-affine-simd.mjs` (needs the `wabt` package; dev-time only).
;;
;; Exactness rules (the JS kernels in ../primitives are the spec):
;; - Magnitudes are taken as integers: |x| as float32 bits (sign cleared) orders exactly as the
;;   float does, and NaN / infinity have bits >= 0x7f800000, above every finite value, so a
;;   cheap i32x4.max_s both finds the largest magnitude and carries non-finite values through.
;; - Codes are computed in float64 lanes (f64x2), as JS does: float32 -> float64 is exact, then
;;   one float64 multiply by the float64 inverse scale, the same single rounding as JS.
;; - Clamping before rounding equals rounding before clamping (rounding is monotone and the bounds
;;   are integers); adding 1.5 * 2^52 rounds half to even and leaves the integer in the low 32 bits
;;   of the double, exactly the ROUNDING_MAGIC trick of the JS path.
(module
  (memory (export "memory") 1)

  ;; Per column largest |x| of a row-major [rows, columns] float32 block at `values`, merged into
  ;; the int32 bit patterns at `maxima` (one per column; the caller zeroes them first).
  (func (export "magnitudes") (param $values i32) (param $rows i32) (param $columns i32) (param $maxima i32)
    (local $row i32) (local $column i32) (local $vectorEnd i32) (local $pointer i32) (local $slot i32)
    (local $signMask v128) (local $bits i32)
    (local.set $signMask (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff))
    (local.set $vectorEnd (i32.and (local.get $columns) (i32.const -4)))
    (local.set $pointer (local.get $values))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $column (i32.const 0))
        (local.set $slot (local.get $maxima))
        (block $vectorsDone
          (loop $vectorLoop
            (br_if $vectorsDone (i32.ge_u (local.get $column) (local.get $vectorEnd)))
            (v128.store (local.get $slot)
              (i32x4.max_s (v128.load (local.get $slot))
                (v128.and (v128.load (local.get $pointer)) (local.get $signMask))))
            (local.set $pointer (i32.add (local.get $pointer) (i32.const 16)))
            (local.set $slot (i32.add (local.get $slot) (i32.const 16)))
            (local.set $column (i32.add (local.get $column) (i32.const 4)))
            (br $vectorLoop)))
        (block $tailDone
          (loop $tailLoop
            (br_if $tailDone (i32.ge_u (local.get $column) (local.get $columns)))
            (local.set $bits (i32.and (i32.load (local.get $pointer)) (i32.const 0x7fffffff)))
            (if (i32.gt_s (local.get $bits) (i32.load (local.get $slot)))
              (then (i32.store (local.get $slot) (local.get $bits))))
            (local.set $pointer (i32.add (local.get $pointer) (i32.const 4)))
            (local.set $slot (i32.add (local.get $slot) (i32.const 4)))
            (local.set $column (i32.add (local.get $column) (i32.const 1)))
            (br $tailLoop)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowLoop))))

  ;; Largest |x| of `count` contiguous float32 at `values`, as int32 bits (a run of the
  ;; channel-first layout); >= 0x7f800000 means a NaN or an infinity was seen.
  (func (export "runMagnitude") (param $values i32) (param $count i32) (result i32)
    (local $end i32) (local $vectorEnd i32) (local $pointer i32) (local $signMask v128)
    (local $accumulator0 v128) (local $accumulator1 v128) (local $best i32) (local $bits i32)
    (local.set $signMask (v128.const i32x4 0x7fffffff 0x7fffffff 0x7fffffff 0x7fffffff))
    (local.set $pointer (local.get $values))
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $vectorEnd (i32.add (local.get $values) (i32.shl (i32.and (local.get $count) (i32.const -8)) (i32.const 2))))
    (block $vectorsDone
      (loop $vectorLoop
        (br_if $vectorsDone (i32.ge_u (local.get $pointer) (local.get $vectorEnd)))
        (local.set $accumulator0 (i32x4.max_s (local.get $accumulator0)
          (v128.and (v128.load (local.get $pointer)) (local.get $signMask))))
        (local.set $accumulator1 (i32x4.max_s (local.get $accumulator1)
          (v128.and (v128.load offset=16 (local.get $pointer)) (local.get $signMask))))
        (local.set $pointer (i32.add (local.get $pointer) (i32.const 32)))
        (br $vectorLoop)))
    (local.set $accumulator0 (i32x4.max_s (local.get $accumulator0) (local.get $accumulator1)))
    (local.set $accumulator0 (i32x4.max_s (local.get $accumulator0)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $accumulator0) (local.get $accumulator0))))
    (local.set $accumulator0 (i32x4.max_s (local.get $accumulator0)
      (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $accumulator0) (local.get $accumulator0))))
    (local.set $best (i32x4.extract_lane 0 (local.get $accumulator0)))
    (block $tailDone
      (loop $tailLoop
        (br_if $tailDone (i32.ge_u (local.get $pointer) (local.get $end)))
        (local.set $bits (i32.and (i32.load (local.get $pointer)) (i32.const 0x7fffffff)))
        (if (i32.gt_s (local.get $bits) (local.get $best)) (then (local.set $best (local.get $bits))))
        (local.set $pointer (i32.add (local.get $pointer) (i32.const 4)))
        (br $tailLoop)))
    (local.get $best))

  ;; Codes of 16 float32 at `source` with the float64 inverse scales at `inverse` (16 of them),
  ;; written as 16 bytes at `target`, clamped to [qmin, qmax] and masked.
  (func $code16 (param $source i32) (param $inverse i32) (param $target i32)
    (param $low v128) (param $high v128) (param $mask v128)
    (local $input v128) (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
    (local $r4 v128) (local $r5 v128) (local $r6 v128) (local $r7 v128) (local $magic v128)
    (local.set $magic (v128.const f64x2 6755399441055744 6755399441055744))
    (local.set $input (v128.load (local.get $source)))
    (local.set $r0 (f64x2.promote_low_f32x4 (local.get $input)))
    (local.set $r1 (f64x2.promote_low_f32x4
      (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $input) (local.get $input))))
    (local.set $input (v128.load offset=16 (local.get $source)))
    (local.set $r2 (f64x2.promote_low_f32x4 (local.get $input)))
    (local.set $r3 (f64x2.promote_low_f32x4
      (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $input) (local.get $input))))
    (local.set $input (v128.load offset=32 (local.get $source)))
    (local.set $r4 (f64x2.promote_low_f32x4 (local.get $input)))
    (local.set $r5 (f64x2.promote_low_f32x4
      (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $input) (local.get $input))))
    (local.set $input (v128.load offset=48 (local.get $source)))
    (local.set $r6 (f64x2.promote_low_f32x4 (local.get $input)))
    (local.set $r7 (f64x2.promote_low_f32x4
      (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $input) (local.get $input))))
    (local.set $r0 (f64x2.add (f64x2.pmin (f64x2.pmax (f64x2.mul (local.get $r0) (v128.load offset=0 (local.get $inverse))) (local.get $low)) (local.get $high)) (local.get $magic)))
    (local.set $r1 (f64x2.add (f64x2.pmin (f64x2.pmax (f64x2.mul (local.get $r1) (v128.load offset=16 (local.get $inverse))) (local.get $low)) (local.get $high)) (local.get $magic)))
    (local.set $r2 (f64x2.add (f64x2.pmin (f64x2.pmax (f64x2.mul (local.get $r2) (v128.load offset=32 (local.get $inverse))) (local.get $low)) (local.get $high)) (local.get $magic)))
    (local.set $r3 (f64x2.add (f64x2.pmin (f64x2.pmax (f64x2.mul (local.get $r3) (v128.load offset=48 (local.get $inverse))) (local.get $low)) (local.get $high)) (local.get $magic)))
    (local.set $r4 (f64x2.add (f64x2.pmin (f64x2.pmax (f64x2.mul (local.get $r4) (v128.load offset=64 (local.get $inverse))) (local.get $low)) (local.get $high)) (local.get $magic)))
    (local.set $r5 (f64x2.add (f64x2.pmin (f64x2.pmax (f64x2.mul (local.get $r5) (v128.load offset=80 (local.get $inverse))) (local.get $low)) (local.get $high)) (local.get $magic)))
    (local.set $r6 (f64x2.add (f64x2.pmin (f64x2.pmax (f64x2.mul (local.get $r6) (v128.load offset=96 (local.get $inverse))) (local.get $low)) (local.get $high)) (local.get $magic)))
    (local.set $r7 (f64x2.add (f64x2.pmin (f64x2.pmax (f64x2.mul (local.get $r7) (v128.load offset=112 (local.get $inverse))) (local.get $low)) (local.get $high)) (local.get $magic)))
    ;; Low 32-bit word of each double holds its code: gather them, then narrow (exact: clamped).
    (v128.store (local.get $target)
      (v128.and
        (i8x16.narrow_i16x8_s
          (i16x8.narrow_i32x4_s
            (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $r0) (local.get $r1))
            (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $r2) (local.get $r3)))
          (i16x8.narrow_i32x4_s
            (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $r4) (local.get $r5))
            (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $r6) (local.get $r7))))
        (local.get $mask))))

  ;; One code, scalar: the tails.
  (func $code1 (param $value f32) (param $inverse f64) (param $qmin f64) (param $qmax f64) (param $mask i32) (result i32)
    (local $scaled f64)
    (local.set $scaled (f64.mul (f64.promote_f32 (local.get $value)) (local.get $inverse)))
    (local.set $scaled (select (local.get $qmin) (local.get $scaled) (f64.lt (local.get $scaled) (local.get $qmin))))
    (local.set $scaled (select (local.get $qmax) (local.get $scaled) (f64.lt (local.get $qmax) (local.get $scaled))))
    (i32.and (i32.trunc_f64_s (f64.nearest (local.get $scaled))) (local.get $mask)))

  ;; Codes of a row-major [rows, columns] float32 block at `values`, one float64 inverse scale per
  ;; column at `inverse`, one byte per code at `codes`.
  (func (export "codesAcrossRows") (param $values i32) (param $rows i32) (param $columns i32) (param $inverse i32)
    (param $codes i32) (param $qmin i32) (param $qmax i32) (param $mask i32)
    (local $row i32) (local $column i32) (local $vectorEnd i32) (local $source i32) (local $target i32)
    (local $low v128) (local $high v128) (local $maskVector v128)
    (local.set $low (f64x2.splat (f64.convert_i32_s (local.get $qmin))))
    (local.set $high (f64x2.splat (f64.convert_i32_s (local.get $qmax))))
    (local.set $maskVector (i8x16.splat (local.get $mask)))
    (local.set $vectorEnd (i32.and (local.get $columns) (i32.const -16)))
    (local.set $source (local.get $values))
    (local.set $target (local.get $codes))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $column (i32.const 0))
        (block $vectorsDone
          (loop $vectorLoop
            (br_if $vectorsDone (i32.ge_u (local.get $column) (local.get $vectorEnd)))
            (call $code16 (local.get $source) (i32.add (local.get $inverse) (i32.shl (local.get $column) (i32.const 3)))
              (local.get $target) (local.get $low) (local.get $high) (local.get $maskVector))
            (local.set $source (i32.add (local.get $source) (i32.const 64)))
            (local.set $target (i32.add (local.get $target) (i32.const 16)))
            (local.set $column (i32.add (local.get $column) (i32.const 16)))
            (br $vectorLoop)))
        (block $tailDone
          (loop $tailLoop
            (br_if $tailDone (i32.ge_u (local.get $column) (local.get $columns)))
            (i32.store8 (local.get $target)
              (call $code1 (f32.load (local.get $source))
                (f64.load (i32.add (local.get $inverse) (i32.shl (local.get $column) (i32.const 3))))
                (f64.convert_i32_s (local.get $qmin)) (f64.convert_i32_s (local.get $qmax)) (local.get $mask)))
            (local.set $source (i32.add (local.get $source) (i32.const 4)))
            (local.set $target (i32.add (local.get $target) (i32.const 1)))
            (local.set $column (i32.add (local.get $column) (i32.const 1)))
            (br $tailLoop)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowLoop))))

  ;; Codes of `count` contiguous float32 at `values` sharing one inverse scale (a run of the
  ;; channel-first layout). The 16 inverse copies code16 reads live at `scratch` (128 bytes).
  (func (export "codeRun") (param $values i32) (param $count i32) (param $inverse f64) (param $scratch i32)
    (param $codes i32) (param $qmin i32) (param $qmax i32) (param $mask i32)
    (local $end i32) (local $vectorEnd i32) (local $source i32) (local $target i32) (local $slot i32)
    (local $low v128) (local $high v128) (local $maskVector v128) (local $inverseVector v128)
    (local.set $low (f64x2.splat (f64.convert_i32_s (local.get $qmin))))
    (local.set $high (f64x2.splat (f64.convert_i32_s (local.get $qmax))))
    (local.set $maskVector (i8x16.splat (local.get $mask)))
    (local.set $inverseVector (f64x2.splat (local.get $inverse)))
    (block $filled
      (loop $fill
        (br_if $filled (i32.ge_u (local.get $slot) (i32.const 128)))
        (v128.store (i32.add (local.get $scratch) (local.get $slot)) (local.get $inverseVector))
        (local.set $slot (i32.add (local.get $slot) (i32.const 16)))
        (br $fill)))
    (local.set $source (local.get $values))
    (local.set $target (local.get $codes))
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $vectorEnd (i32.add (local.get $values) (i32.shl (i32.and (local.get $count) (i32.const -16)) (i32.const 2))))
    (block $vectorsDone
      (loop $vectorLoop
        (br_if $vectorsDone (i32.ge_u (local.get $source) (local.get $vectorEnd)))
        (call $code16 (local.get $source) (local.get $scratch) (local.get $target)
          (local.get $low) (local.get $high) (local.get $maskVector))
        (local.set $source (i32.add (local.get $source) (i32.const 64)))
        (local.set $target (i32.add (local.get $target) (i32.const 16)))
        (br $vectorLoop)))
    (block $tailDone
      (loop $tailLoop
        (br_if $tailDone (i32.ge_u (local.get $source) (local.get $end)))
        (i32.store8 (local.get $target)
          (call $code1 (f32.load (local.get $source)) (local.get $inverse)
            (f64.convert_i32_s (local.get $qmin)) (f64.convert_i32_s (local.get $qmax)) (local.get $mask)))
        (local.set $source (i32.add (local.get $source) (i32.const 4)))
        (local.set $target (i32.add (local.get $target) (i32.const 1)))
        (br $tailLoop))))
)
