;; Hand-written WebAssembly SIMD kernels for int2–8 symmetric and int1–8 asymmetric per-channel and
;; per-group quantization: extremes or ranges, scales (both grids, float32 or float16), zero points,
;; codes and bit packing.
;; Source of the bytes in affine-simd-module.ts; regenerate with
;; `npm run build:simd -w @whittle/quantize` (the `wabt` assembler, a dev dependency).
;;
;; Exactness rules (the JS kernels in ../primitives are the spec):
;; - Extremes are taken as integer keys: key(x) = (bits(x) << 1) | (sign(x) ? 0 : 1), compared
;;   unsigned. key >>> 1 is |x| as float32 bits, which orders exactly as the float does, and NaN /
;;   infinity have |x| bits >= 0x7f800000, above every finite value, so one i32x4.max_u finds the
;;   largest magnitude, carries non-finite values through, and keeps the sign of the value of
;;   largest magnitude (ties between +a and -a to +a): the absmax grid reads key >>> 1, the
;;   signed-extreme grid its sign too. Key 0 (the start) reads as an extreme of 0. On the absmax
;;   grid the key-taking walks are given `magnitude` 1, and their vector loops then take bits(x) << 1
;;   alone (|x| bits << 1, low bit 0), at about twice the speed; their short tails keep the signed
;;   key. A slot may so hold either form: both give the same key >>> 1, order magnitudes the same
;;   way and pass the same non-finite test, and the absmax grid never reads the low bit.
;; - Codes are computed in float32 lanes (f32x4), as JS specifies them: the inverse scale is
;;   1 / scale divided in float64 and rounded to float32 (Math.fround), and one float32 multiply
;;   by it is the JS path's Math.fround(value * inverse) bit for bit (the float64 product of two
;;   float32 is exact, so rounding it once to float32 is the float32 product). chooseScales /
;;   chooseRanges decline a slot whose inverse is beyond float32 (a scale below about 2^-128):
;;   the JS path codes those with the float64 inverse.
;; - |x * inverse| <= (qmax - qmin + 1) / 2 <= 128 (a hair more, from the inverse's rounding) for
;;   the inverse of a symmetric scale chosen from these values (<= qmax − qmin <= 255 for an
;;   asymmetric one), so the integer below is exact (another inverse could wrap codes: callers
;;   must not).
;; - Adding 1.5 * 2^23 rounds a float32 below 2^22 half to even and leaves the integer in the
;;   low mantissa bits: subtracting the constant's bits as int32 gives it, the float32 twin of the
;;   ROUNDING_MAGIC trick of the JS path (which rounds the same float32 value in float64: the same
;;   integer). The 16-code blocks narrow the int32 with saturation (exact: the codes fit), then
;;   clamp bytes with i8x16 min / max, which is what JS's clamp of the rounded integer does.
;; - Zero points are added to the rounded integer, as JS adds them (so ties break the same way),
;;   in int16 lanes between the two narrows: |rounded| <= 256 for asymmetric codes too (values lie
;;   within the range the scale covers, |x * inverse| <= qmax − qmin <= 255) and zero point − bias
;;   lies in [−128, 127], so the sum is exact there, and the saturating narrow to bytes then
;;   clamps only values that lie outside [qmin − bias, qmax − bias] anyway; codes are clamped to
;;   that range as signed bytes and the bias comes back by an xor (0 for signed codes, 128 for
;;   unsigned ones).
;; - Per group is per channel on smaller blocks: the group functions below walk the groups and
;;   call the per-channel functions, or (blockKeys / blockRanges / blockCodes, for whole groups
;;   back to back) repeat their loops inline, so the rules above carry over unchanged (each
;;   group's inverse is that group's own, so the bounds on |x * inverse| still hold).
(module
  (memory (export "memory") 1)

  ;; Per column extreme key of a row-major [rows, columns] float32 block at `values`, merged into
  ;; the keys at `maxima` (one per column; the caller zeroes them first). Walks the rows in order,
  ;; 16 columns at a time, merging into the maxima in memory; then down the last columns 4 at a
  ;; time, then one at a time.
  (func $columnKeys (export "columnKeys") (param $values i32) (param $rows i32) (param $columns i32) (param $maxima i32) (param $magnitude i32)
    (local $rowBytes i32) (local $column i32) (local $row i32) (local $pointer i32) (local $slot i32) (local $rowEnd i32)
    (local $raw v128) (local $word i32) (local $bits i32) (local $maximum0 v128)
    (local.set $rowBytes (i32.shl (local.get $columns) (i32.const 2)))
    ;; The first columns & -16 columns row by row: each row's values stream in order (the
    ;; prefetcher's best case) while the 16-column blocks' maxima stay in L1, about 20 % faster
    ;; than walking each block down the rows.
    (local.set $column (i32.and (local.get $columns) (i32.const -16)))
    (local.set $rowEnd (i32.add (local.get $maxima) (i32.shl (local.get $column) (i32.const 2))))
    (if (local.get $magnitude)
      (then
        (block $rowsDone
          (loop $rowLoop
            (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
            (local.set $pointer (i32.add (local.get $values) (i32.mul (local.get $row) (local.get $rowBytes))))
            (local.set $slot (local.get $maxima))
            (block $blocksDone
              (loop $blockLoop
                (br_if $blocksDone (i32.ge_u (local.get $slot) (local.get $rowEnd)))
                (v128.store offset=0 (local.get $slot) (i32x4.max_u (v128.load offset=0 (local.get $slot)) (i32x4.shl (v128.load offset=0 (local.get $pointer)) (i32.const 1))))
                (v128.store offset=16 (local.get $slot) (i32x4.max_u (v128.load offset=16 (local.get $slot)) (i32x4.shl (v128.load offset=16 (local.get $pointer)) (i32.const 1))))
                (v128.store offset=32 (local.get $slot) (i32x4.max_u (v128.load offset=32 (local.get $slot)) (i32x4.shl (v128.load offset=32 (local.get $pointer)) (i32.const 1))))
                (v128.store offset=48 (local.get $slot) (i32x4.max_u (v128.load offset=48 (local.get $slot)) (i32x4.shl (v128.load offset=48 (local.get $pointer)) (i32.const 1))))
                (local.set $slot (i32.add (local.get $slot) (i32.const 64)))
                (local.set $pointer (i32.add (local.get $pointer) (i32.const 64)))
                (br $blockLoop)))
            (local.set $row (i32.add (local.get $row) (i32.const 1)))
            (br $rowLoop))))
      (else
        (block $rowsDone
          (loop $rowLoop
            (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
            (local.set $pointer (i32.add (local.get $values) (i32.mul (local.get $row) (local.get $rowBytes))))
            (local.set $slot (local.get $maxima))
            (block $blocksDone
              (loop $blockLoop
                (br_if $blocksDone (i32.ge_u (local.get $slot) (local.get $rowEnd)))
                (v128.store offset=0 (local.get $slot) (i32x4.max_u (v128.load offset=0 (local.get $slot)) (v128.or (i32x4.shl (local.tee $raw (v128.load offset=0 (local.get $pointer))) (i32.const 1)) (i32x4.shr_u (v128.not (local.get $raw)) (i32.const 31)))))
                (v128.store offset=16 (local.get $slot) (i32x4.max_u (v128.load offset=16 (local.get $slot)) (v128.or (i32x4.shl (local.tee $raw (v128.load offset=16 (local.get $pointer))) (i32.const 1)) (i32x4.shr_u (v128.not (local.get $raw)) (i32.const 31)))))
                (v128.store offset=32 (local.get $slot) (i32x4.max_u (v128.load offset=32 (local.get $slot)) (v128.or (i32x4.shl (local.tee $raw (v128.load offset=32 (local.get $pointer))) (i32.const 1)) (i32x4.shr_u (v128.not (local.get $raw)) (i32.const 31)))))
                (v128.store offset=48 (local.get $slot) (i32x4.max_u (v128.load offset=48 (local.get $slot)) (v128.or (i32x4.shl (local.tee $raw (v128.load offset=48 (local.get $pointer))) (i32.const 1)) (i32x4.shr_u (v128.not (local.get $raw)) (i32.const 31)))))
                (local.set $slot (i32.add (local.get $slot) (i32.const 64)))
                (local.set $pointer (i32.add (local.get $pointer) (i32.const 64)))
                (br $blockLoop)))
            (local.set $row (i32.add (local.get $row) (i32.const 1)))
            (br $rowLoop)))))
    (block $quadsDone
      (loop $quadLoop
        (br_if $quadsDone (i32.gt_u (i32.add (local.get $column) (i32.const 4)) (local.get $columns)))
        (local.set $slot (i32.add (local.get $maxima) (i32.shl (local.get $column) (i32.const 2))))
        (local.set $maximum0 (v128.load (local.get $slot)))
        (local.set $pointer (i32.add (local.get $values) (i32.shl (local.get $column) (i32.const 2))))
        (local.set $row (i32.const 0))
        (block $rowsDone
          (loop $rowLoop
            (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
            (local.set $maximum0 (i32x4.max_u (local.get $maximum0) (v128.or (i32x4.shl (local.tee $raw (v128.load (local.get $pointer))) (i32.const 1)) (i32x4.shr_u (v128.not (local.get $raw)) (i32.const 31)))))
            (local.set $pointer (i32.add (local.get $pointer) (local.get $rowBytes)))
            (local.set $row (i32.add (local.get $row) (i32.const 1)))
            (br $rowLoop)))
        (v128.store (local.get $slot) (local.get $maximum0))
        (local.set $column (i32.add (local.get $column) (i32.const 4)))
        (br $quadLoop)))
    (block $singlesDone
      (loop $singleLoop
        (br_if $singlesDone (i32.ge_u (local.get $column) (local.get $columns)))
        (local.set $slot (i32.add (local.get $maxima) (i32.shl (local.get $column) (i32.const 2))))
        (local.set $pointer (i32.add (local.get $values) (i32.shl (local.get $column) (i32.const 2))))
        (local.set $row (i32.const 0))
        (block $rowsDone
          (loop $rowLoop
            (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
            (local.set $bits (i32.or (i32.shl (local.tee $word (i32.load (local.get $pointer))) (i32.const 1)) (i32.shr_u (i32.xor (local.get $word) (i32.const -1)) (i32.const 31))))
            (if (i32.gt_u (local.get $bits) (i32.load (local.get $slot)))
              (then (i32.store (local.get $slot) (local.get $bits))))
            (local.set $pointer (i32.add (local.get $pointer) (local.get $rowBytes)))
            (local.set $row (i32.add (local.get $row) (i32.const 1)))
            (br $rowLoop)))
        (local.set $column (i32.add (local.get $column) (i32.const 1)))
        (br $singleLoop))))

  ;; Extreme key of `count` contiguous float32 at `values` (a run of the channel-first layout);
  ;; key >>> 1 >= 0x7f800000 means a NaN or an infinity was seen.
  (func $runKey (export "runKey") (param $values i32) (param $count i32) (param $magnitude i32) (result i32)
    (local $end i32) (local $vectorEnd i32) (local $pointer i32) (local $raw v128) (local $word i32)
    (local $accumulator0 v128) (local $accumulator1 v128) (local $best i32) (local $bits i32)
    (local.set $pointer (local.get $values))
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $vectorEnd (i32.add (local.get $values) (i32.shl (i32.and (local.get $count) (i32.const -8)) (i32.const 2))))
    (if (local.get $magnitude)
      (then
        (block $vectorsDone
          (loop $vectorLoop
            (br_if $vectorsDone (i32.ge_u (local.get $pointer) (local.get $vectorEnd)))
            (local.set $accumulator0 (i32x4.max_u (local.get $accumulator0)
              (i32x4.shl (v128.load (local.get $pointer)) (i32.const 1))))
            (local.set $accumulator1 (i32x4.max_u (local.get $accumulator1)
              (i32x4.shl (v128.load offset=16 (local.get $pointer)) (i32.const 1))))
            (local.set $pointer (i32.add (local.get $pointer) (i32.const 32)))
            (br $vectorLoop))))
      (else
        (block $vectorsDone
          (loop $vectorLoop
            (br_if $vectorsDone (i32.ge_u (local.get $pointer) (local.get $vectorEnd)))
            (local.set $accumulator0 (i32x4.max_u (local.get $accumulator0)
              (v128.or (i32x4.shl (local.tee $raw (v128.load (local.get $pointer))) (i32.const 1)) (i32x4.shr_u (v128.not (local.get $raw)) (i32.const 31)))))
            (local.set $accumulator1 (i32x4.max_u (local.get $accumulator1)
              (v128.or (i32x4.shl (local.tee $raw (v128.load offset=16 (local.get $pointer))) (i32.const 1)) (i32x4.shr_u (v128.not (local.get $raw)) (i32.const 31)))))
            (local.set $pointer (i32.add (local.get $pointer) (i32.const 32)))
            (br $vectorLoop)))))
    (local.set $accumulator0 (i32x4.max_u (local.get $accumulator0) (local.get $accumulator1)))
    (local.set $accumulator0 (i32x4.max_u (local.get $accumulator0)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $accumulator0) (local.get $accumulator0))))
    (local.set $accumulator0 (i32x4.max_u (local.get $accumulator0)
      (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $accumulator0) (local.get $accumulator0))))
    (local.set $best (i32x4.extract_lane 0 (local.get $accumulator0)))
    (block $tailDone
      (loop $tailLoop
        (br_if $tailDone (i32.ge_u (local.get $pointer) (local.get $end)))
        (local.set $bits (i32.or (i32.shl (local.tee $word (i32.load (local.get $pointer))) (i32.const 1)) (i32.shr_u (i32.xor (local.get $word) (i32.const -1)) (i32.const 31))))
        (if (i32.gt_u (local.get $bits) (local.get $best)) (then (local.set $best (local.get $bits))))
        (local.set $pointer (i32.add (local.get $pointer) (i32.const 4)))
        (br $tailLoop)))
    (local.get $best))

  ;; One code, scalar: the tails. round(value · inverse) + zeroPoint, clamped, masked, as the JS
  ;; path computes it; the product is clamped first only so the truncation cannot trap (codes from
  ;; a scale chosen from these values never come near those bounds).
  (func $code1 (param $value f32) (param $inverse f32) (param $zeroPoint i32) (param $qmin i32) (param $qmax i32) (param $mask i32) (result i32)
    (local $scaled f32) (local $code i32)
    (local.set $scaled (f32.mul (local.get $value) (local.get $inverse)))
    (local.set $scaled (f32.min (f32.max (local.get $scaled) (f32.const -32768)) (f32.const 32767)))
    (local.set $code (i32.add (i32.trunc_f32_s (f32.nearest (local.get $scaled))) (local.get $zeroPoint)))
    (if (i32.lt_s (local.get $code) (local.get $qmin)) (then (local.set $code (local.get $qmin))))
    (if (i32.gt_s (local.get $code) (local.get $qmax)) (then (local.set $code (local.get $qmax))))
    (i32.and (local.get $code) (local.get $mask)))

  ;; Codes of a row-major [rows, columns] float32 block at `values`, one float32 inverse scale and
  ;; one int16 offset (zero point − bias) per column at `inverse` / `offsets`, one byte per code at
  ;; `codes`. `bias` is 0 for signed codes and 128 for unsigned ones: codes are clamped as signed
  ;; bytes in [qmin − bias, qmax − bias], then the bias comes back by an xor (exact on 8 bits).
  (func $codesAcrossRows (export "codesAcrossRows") (param $values i32) (param $rows i32) (param $columns i32) (param $inverse i32)
    (param $codes i32) (param $qmin i32) (param $qmax i32) (param $mask i32) (param $offsets i32) (param $bias i32)
    (local $row i32) (local $column i32) (local $vectorEnd i32) (local $source i32) (local $target i32)
    (local $inverseAt i32) (local $offsetAt i32) (local $low v128) (local $high v128) (local $maskVector v128) (local $magic v128)
    (local $biasVector v128) (local $in0 v128) (local $in1 v128) (local $in2 v128) (local $in3 v128)
    (local.set $magic (v128.const f32x4 12582912 12582912 12582912 12582912))
    (local.set $low (i8x16.splat (i32.sub (local.get $qmin) (local.get $bias))))
    (local.set $high (i8x16.splat (i32.sub (local.get $qmax) (local.get $bias))))
    (local.set $biasVector (i8x16.splat (local.get $bias)))
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
            ;; 16 codes: the same block as in codeRun, written out twice because V8 does not inline
            ;; wasm calls here (a call per block cost about 30% of this loop).
            (local.set $inverseAt (i32.add (local.get $inverse) (i32.shl (local.get $column) (i32.const 2))))
            (local.set $offsetAt (i32.add (local.get $offsets) (i32.shl (local.get $column) (i32.const 1))))
            (local.set $in0 (v128.load offset=0 (local.get $source)))
            (local.set $in1 (v128.load offset=16 (local.get $source)))
            (local.set $in2 (v128.load offset=32 (local.get $source)))
            (local.set $in3 (v128.load offset=48 (local.get $source)))
            (v128.store (local.get $target)
              (v128.and
                (v128.xor
                  (i8x16.min_s
                    (i8x16.max_s
                      (i8x16.narrow_i16x8_s
                        (i16x8.add
                          (i16x8.narrow_i32x4_s
                            (i32x4.sub (f32x4.add (f32x4.mul (local.get $in0) (v128.load offset=0 (local.get $inverseAt))) (local.get $magic)) (local.get $magic))
                            (i32x4.sub (f32x4.add (f32x4.mul (local.get $in1) (v128.load offset=16 (local.get $inverseAt))) (local.get $magic)) (local.get $magic)))
                          (v128.load offset=0 (local.get $offsetAt)))
                        (i16x8.add
                          (i16x8.narrow_i32x4_s
                            (i32x4.sub (f32x4.add (f32x4.mul (local.get $in2) (v128.load offset=32 (local.get $inverseAt))) (local.get $magic)) (local.get $magic))
                            (i32x4.sub (f32x4.add (f32x4.mul (local.get $in3) (v128.load offset=48 (local.get $inverseAt))) (local.get $magic)) (local.get $magic)))
                          (v128.load offset=16 (local.get $offsetAt))))
                      (local.get $low))
                    (local.get $high))
                  (local.get $biasVector))
                (local.get $maskVector)))
            (local.set $source (i32.add (local.get $source) (i32.const 64)))
            (local.set $target (i32.add (local.get $target) (i32.const 16)))
            (local.set $column (i32.add (local.get $column) (i32.const 16)))
            (br $vectorLoop)))
        (block $tailDone
          (loop $tailLoop
            (br_if $tailDone (i32.ge_u (local.get $column) (local.get $columns)))
            (i32.store8 (local.get $target)
              (call $code1 (f32.load (local.get $source))
                (f32.load (i32.add (local.get $inverse) (i32.shl (local.get $column) (i32.const 2))))
                (i32.add (i32.load16_s (i32.add (local.get $offsets) (i32.shl (local.get $column) (i32.const 1)))) (local.get $bias))
                (local.get $qmin) (local.get $qmax) (local.get $mask)))
            (local.set $source (i32.add (local.get $source) (i32.const 4)))
            (local.set $target (i32.add (local.get $target) (i32.const 1)))
            (local.set $column (i32.add (local.get $column) (i32.const 1)))
            (br $tailLoop)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowLoop))))

  ;; Codes of `count` contiguous float32 at `values` sharing one inverse scale and one offset
  ;; (zero point − bias; see codesAcrossRows): a run of the channel-first layout, or of a whole
  ;; tensor, or a group.
  (func $codeRun (export "codeRun") (param $values i32) (param $count i32) (param $inverse f32)
    (param $codes i32) (param $qmin i32) (param $qmax i32) (param $mask i32) (param $offset i32) (param $bias i32)
    (local $end i32) (local $vectorEnd i32) (local $source i32) (local $target i32)
    (local $low v128) (local $high v128) (local $maskVector v128) (local $inverseVector v128) (local $magic v128)
    (local $biasVector v128) (local $offsetVector v128) (local $in0 v128) (local $in1 v128) (local $in2 v128) (local $in3 v128)
    (local.set $magic (v128.const f32x4 12582912 12582912 12582912 12582912))
    (local.set $low (i8x16.splat (i32.sub (local.get $qmin) (local.get $bias))))
    (local.set $high (i8x16.splat (i32.sub (local.get $qmax) (local.get $bias))))
    (local.set $biasVector (i8x16.splat (local.get $bias)))
    (local.set $offsetVector (i16x8.splat (local.get $offset)))
    (local.set $maskVector (i8x16.splat (local.get $mask)))
    (local.set $inverseVector (f32x4.splat (local.get $inverse)))
    (local.set $source (local.get $values))
    (local.set $target (local.get $codes))
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $vectorEnd (i32.add (local.get $values) (i32.shl (i32.and (local.get $count) (i32.const -16)) (i32.const 2))))
    (block $vectorsDone
      (loop $vectorLoop
        (br_if $vectorsDone (i32.ge_u (local.get $source) (local.get $vectorEnd)))
        (local.set $in0 (v128.load offset=0 (local.get $source)))
        (local.set $in1 (v128.load offset=16 (local.get $source)))
        (local.set $in2 (v128.load offset=32 (local.get $source)))
        (local.set $in3 (v128.load offset=48 (local.get $source)))
        (v128.store (local.get $target)
          (v128.and
            (v128.xor
              (i8x16.min_s
                (i8x16.max_s
                  (i8x16.narrow_i16x8_s
                    (i16x8.add
                      (i16x8.narrow_i32x4_s
                        (i32x4.sub (f32x4.add (f32x4.mul (local.get $in0) (local.get $inverseVector)) (local.get $magic)) (local.get $magic))
                        (i32x4.sub (f32x4.add (f32x4.mul (local.get $in1) (local.get $inverseVector)) (local.get $magic)) (local.get $magic)))
                      (local.get $offsetVector))
                    (i16x8.add
                      (i16x8.narrow_i32x4_s
                        (i32x4.sub (f32x4.add (f32x4.mul (local.get $in2) (local.get $inverseVector)) (local.get $magic)) (local.get $magic))
                        (i32x4.sub (f32x4.add (f32x4.mul (local.get $in3) (local.get $inverseVector)) (local.get $magic)) (local.get $magic)))
                      (local.get $offsetVector)))
                  (local.get $low))
                (local.get $high))
              (local.get $biasVector))
            (local.get $maskVector)))
        (local.set $source (i32.add (local.get $source) (i32.const 64)))
        (local.set $target (i32.add (local.get $target) (i32.const 16)))
        (br $vectorLoop)))
    (block $tailDone
      (loop $tailLoop
        (br_if $tailDone (i32.ge_u (local.get $source) (local.get $end)))
        (i32.store8 (local.get $target)
          (call $code1 (f32.load (local.get $source)) (local.get $inverse)
            (i32.add (local.get $offset) (local.get $bias)) (local.get $qmin) (local.get $qmax) (local.get $mask)))
        (local.set $source (i32.add (local.get $source) (i32.const 4)))
        (local.set $target (i32.add (local.get $target) (i32.const 1)))
        (br $tailLoop))))

  ;; Per-group extreme keys of a row-major [rows, columns] float32 block whose groups are `groupRows`
  ;; consecutive rows (the last may be shorter): one key per group and column, stored
  ;; group after group at `maxima` (zeroed by the caller). A call per group: V8 does not inline
  ;; it, but a group is at least 16 columns × the group's rows, so the call is noise.
  (func (export "groupKeys") (param $values i32) (param $rows i32) (param $columns i32) (param $groupRows i32) (param $maxima i32) (param $magnitude i32)
    (local $row i32) (local $blockBytes i32) (local $maximaBytes i32)
    (local.set $blockBytes (i32.shl (i32.mul (local.get $groupRows) (local.get $columns)) (i32.const 2)))
    (local.set $maximaBytes (i32.shl (local.get $columns) (i32.const 2)))
    (block $done
      (loop $groupLoop
        (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
        (call $columnKeys (local.get $values)
          (select (local.get $groupRows) (i32.sub (local.get $rows) (local.get $row))
            (i32.le_u (i32.add (local.get $row) (local.get $groupRows)) (local.get $rows)))
          (local.get $columns) (local.get $maxima) (local.get $magnitude))
        (local.set $values (i32.add (local.get $values) (local.get $blockBytes)))
        (local.set $maxima (i32.add (local.get $maxima) (local.get $maximaBytes)))
        (local.set $row (i32.add (local.get $row) (local.get $groupRows)))
        (br $groupLoop))))

  ;; Codes of the same block, one float32 inverse scale and one offset per group and column at
  ;; `inverse` / `offsets` (laid out as `groupKeys` lays out the keys), one byte per code at `codes`.
  (func (export "groupCodes") (param $values i32) (param $rows i32) (param $columns i32) (param $groupRows i32)
    (param $inverse i32) (param $codes i32) (param $qmin i32) (param $qmax i32) (param $mask i32) (param $offsets i32) (param $bias i32)
    (local $row i32) (local $groupElements i32)
    (local.set $groupElements (i32.mul (local.get $groupRows) (local.get $columns)))
    (block $done
      (loop $groupLoop
        (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
        (call $codesAcrossRows (local.get $values)
          (select (local.get $groupRows) (i32.sub (local.get $rows) (local.get $row))
            (i32.le_u (i32.add (local.get $row) (local.get $groupRows)) (local.get $rows)))
          (local.get $columns) (local.get $inverse) (local.get $codes) (local.get $qmin) (local.get $qmax) (local.get $mask)
          (local.get $offsets) (local.get $bias))
        (local.set $offsets (i32.add (local.get $offsets) (i32.shl (local.get $columns) (i32.const 1))))
        (local.set $values (i32.add (local.get $values) (i32.shl (local.get $groupElements) (i32.const 2))))
        (local.set $codes (i32.add (local.get $codes) (local.get $groupElements)))
        (local.set $inverse (i32.add (local.get $inverse) (i32.shl (local.get $columns) (i32.const 2))))
        (local.set $row (i32.add (local.get $row) (local.get $groupRows)))
        (br $groupLoop))))

  ;; Extreme keys of `groups` contiguous groups of rows of `length` values (groups of `groupSize`,
  ;; the last of each row shorter when `groupSize` does not divide `length`), starting at a row's
  ;; start: one key per group at `maxima` (the channel-first layout, [out, in] by in).
  (func (export "runGroupKeys") (param $values i32) (param $groups i32) (param $length i32) (param $groupSize i32) (param $maxima i32) (param $magnitude i32)
    (local $group i32) (local $position i32) (local $count i32)
    (block $done
      (loop $groupLoop
        (br_if $done (i32.ge_u (local.get $group) (local.get $groups)))
        (local.set $count (i32.sub (local.get $length) (local.get $position)))
        (if (i32.gt_u (local.get $count) (local.get $groupSize)) (then (local.set $count (local.get $groupSize))))
        (i32.store (local.get $maxima) (call $runKey (local.get $values) (local.get $count) (local.get $magnitude)))
        (local.set $values (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
        (local.set $maxima (i32.add (local.get $maxima) (i32.const 4)))
        (local.set $position (i32.add (local.get $position) (local.get $count)))
        (if (i32.ge_u (local.get $position) (local.get $length)) (then (local.set $position (i32.const 0))))
        (local.set $group (i32.add (local.get $group) (i32.const 1)))
        (br $groupLoop))))

  ;; Codes of those groups, one float32 inverse scale and one offset per group at `inverse` / `offsets`.
  (func (export "runGroupCodes") (param $values i32) (param $groups i32) (param $length i32) (param $groupSize i32)
    (param $inverse i32) (param $codes i32) (param $qmin i32) (param $qmax i32) (param $mask i32) (param $offsets i32) (param $bias i32)
    (local $group i32) (local $position i32) (local $count i32)
    (block $done
      (loop $groupLoop
        (br_if $done (i32.ge_u (local.get $group) (local.get $groups)))
        (local.set $count (i32.sub (local.get $length) (local.get $position)))
        (if (i32.gt_u (local.get $count) (local.get $groupSize)) (then (local.set $count (local.get $groupSize))))
        (call $codeRun (local.get $values) (local.get $count) (f32.load (local.get $inverse))
          (local.get $codes) (local.get $qmin) (local.get $qmax) (local.get $mask)
          (i32.load16_s (local.get $offsets)) (local.get $bias))
        (local.set $offsets (i32.add (local.get $offsets) (i32.const 2)))
        (local.set $values (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
        (local.set $codes (i32.add (local.get $codes) (local.get $count)))
        (local.set $inverse (i32.add (local.get $inverse) (i32.const 4)))
        (local.set $position (i32.add (local.get $position) (local.get $count)))
        (if (i32.ge_u (local.get $position) (local.get $length)) (then (local.set $position (i32.const 0))))
        (local.set $group (i32.add (local.get $group) (i32.const 1)))
        (br $groupLoop))))
  ;; Whole groups back to back (`groupSize` a multiple of 16 dividing the row length, so no group
  ;; is cut short): the runGroup* walks without a call per group, which cost as much as the work
  ;; on groups of 32. The same keys, ranges and codes as those walks give.

  ;; Extreme keys of `groups` groups of `groupSize` contiguous float32 at `values`, one per group at `maxima`.
  (func (export "blockKeys") (param $values i32) (param $groups i32) (param $groupSize i32) (param $maxima i32) (param $magnitude i32)
    (local $end i32) (local $groupEnd i32) (local $raw v128) (local $accumulator0 v128) (local $accumulator1 v128)
    (local.set $end (i32.add (local.get $maxima) (i32.shl (local.get $groups) (i32.const 2))))
    (block $done
      (loop $groupLoop
        (br_if $done (i32.ge_u (local.get $maxima) (local.get $end)))
        (local.set $groupEnd (i32.add (local.get $values) (i32.shl (local.get $groupSize) (i32.const 2))))
        (local.set $accumulator0 (v128.const i32x4 0 0 0 0))
        (local.set $accumulator1 (v128.const i32x4 0 0 0 0))
        (if (local.get $magnitude)
          (then
            (loop $vectorLoop
              (local.set $accumulator0 (i32x4.max_u (local.get $accumulator0)
                (i32x4.shl (v128.load (local.get $values)) (i32.const 1))))
              (local.set $accumulator1 (i32x4.max_u (local.get $accumulator1)
                (i32x4.shl (v128.load offset=16 (local.get $values)) (i32.const 1))))
              (local.set $values (i32.add (local.get $values) (i32.const 32)))
              (br_if $vectorLoop (i32.lt_u (local.get $values) (local.get $groupEnd)))))
          (else
            (loop $vectorLoop
              (local.set $accumulator0 (i32x4.max_u (local.get $accumulator0)
                (v128.or (i32x4.shl (local.tee $raw (v128.load (local.get $values))) (i32.const 1)) (i32x4.shr_u (v128.not (local.get $raw)) (i32.const 31)))))
              (local.set $accumulator1 (i32x4.max_u (local.get $accumulator1)
                (v128.or (i32x4.shl (local.tee $raw (v128.load offset=16 (local.get $values))) (i32.const 1)) (i32x4.shr_u (v128.not (local.get $raw)) (i32.const 31)))))
              (local.set $values (i32.add (local.get $values) (i32.const 32)))
              (br_if $vectorLoop (i32.lt_u (local.get $values) (local.get $groupEnd))))))
        (local.set $accumulator0 (i32x4.max_u (local.get $accumulator0) (local.get $accumulator1)))
        (local.set $accumulator0 (i32x4.max_u (local.get $accumulator0)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $accumulator0) (local.get $accumulator0))))
        (local.set $accumulator0 (i32x4.max_u (local.get $accumulator0)
          (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $accumulator0) (local.get $accumulator0))))
        (v128.store32_lane 0 (local.get $maxima) (local.get $accumulator0))
        (local.set $maxima (i32.add (local.get $maxima) (i32.const 4)))
        (br $groupLoop))))

  ;; Range keys of those groups, one pair per group at `lows` / `highs`.
  (func (export "blockRanges") (param $values i32) (param $groups i32) (param $groupSize i32) (param $lows i32) (param $highs i32)
    (local $end i32) (local $groupEnd i32) (local $raw v128) (local $key v128)
    (local $low0 v128) (local $low1 v128) (local $high0 v128) (local $high1 v128)
    (local.set $end (i32.add (local.get $lows) (i32.shl (local.get $groups) (i32.const 2))))
    (block $done
      (loop $groupLoop
        (br_if $done (i32.ge_u (local.get $lows) (local.get $end)))
        (local.set $groupEnd (i32.add (local.get $values) (i32.shl (local.get $groupSize) (i32.const 2))))
        (local.set $low0 (v128.const i32x4 0 0 0 0))
        (local.set $low1 (v128.const i32x4 0 0 0 0))
        (local.set $high0 (v128.const i32x4 0 0 0 0))
        (local.set $high1 (v128.const i32x4 0 0 0 0))
        (loop $vectorLoop
          (local.set $key (v128.xor (local.tee $raw (v128.load (local.get $values))) (i32x4.shr_u (i32x4.shr_s (local.get $raw) (i32.const 31)) (i32.const 1))))
          (local.set $low0 (i32x4.min_s (local.get $low0) (local.get $key)))
          (local.set $high0 (i32x4.max_s (local.get $high0) (local.get $key)))
          (local.set $key (v128.xor (local.tee $raw (v128.load offset=16 (local.get $values))) (i32x4.shr_u (i32x4.shr_s (local.get $raw) (i32.const 31)) (i32.const 1))))
          (local.set $low1 (i32x4.min_s (local.get $low1) (local.get $key)))
          (local.set $high1 (i32x4.max_s (local.get $high1) (local.get $key)))
          (local.set $values (i32.add (local.get $values) (i32.const 32)))
          (br_if $vectorLoop (i32.lt_u (local.get $values) (local.get $groupEnd))))
        (local.set $low0 (i32x4.min_s (local.get $low0) (local.get $low1)))
        (local.set $low0 (i32x4.min_s (local.get $low0)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $low0) (local.get $low0))))
        (local.set $low0 (i32x4.min_s (local.get $low0)
          (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $low0) (local.get $low0))))
        (local.set $high0 (i32x4.max_s (local.get $high0) (local.get $high1)))
        (local.set $high0 (i32x4.max_s (local.get $high0)
          (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $high0) (local.get $high0))))
        (local.set $high0 (i32x4.max_s (local.get $high0)
          (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $high0) (local.get $high0))))
        (v128.store32_lane 0 (local.get $lows) (local.get $low0))
        (v128.store32_lane 0 (local.get $highs) (local.get $high0))
        (local.set $lows (i32.add (local.get $lows) (i32.const 4)))
        (local.set $highs (i32.add (local.get $highs) (i32.const 4)))
        (br $groupLoop))))

  ;; Codes of those groups, one float32 inverse scale and one offset per group at `inverse` / `offsets` (see codeRun).
  (func (export "blockCodes") (param $values i32) (param $groups i32) (param $groupSize i32)
    (param $inverse i32) (param $codes i32) (param $qmin i32) (param $qmax i32) (param $mask i32) (param $offsets i32) (param $bias i32)
    (local $end i32) (local $groupEnd i32) (local $source i32) (local $target i32)
    (local $low v128) (local $high v128) (local $maskVector v128) (local $inverseVector v128) (local $magic v128)
    (local $biasVector v128) (local $offsetVector v128) (local $in0 v128) (local $in1 v128) (local $in2 v128) (local $in3 v128)
    (local.set $magic (v128.const f32x4 12582912 12582912 12582912 12582912))
    (local.set $low (i8x16.splat (i32.sub (local.get $qmin) (local.get $bias))))
    (local.set $high (i8x16.splat (i32.sub (local.get $qmax) (local.get $bias))))
    (local.set $biasVector (i8x16.splat (local.get $bias)))
    (local.set $maskVector (i8x16.splat (local.get $mask)))
    (local.set $source (local.get $values))
    (local.set $target (local.get $codes))
    (local.set $end (i32.add (local.get $inverse) (i32.shl (local.get $groups) (i32.const 2))))
    (block $done
      (loop $groupLoop
        (br_if $done (i32.ge_u (local.get $inverse) (local.get $end)))
        (local.set $inverseVector (v128.load32_splat (local.get $inverse)))
        (local.set $offsetVector (i16x8.splat (i32.load16_s (local.get $offsets))))
        (local.set $groupEnd (i32.add (local.get $source) (i32.shl (local.get $groupSize) (i32.const 2))))
        (loop $vectorLoop
          (local.set $in0 (v128.load offset=0 (local.get $source)))
          (local.set $in1 (v128.load offset=16 (local.get $source)))
          (local.set $in2 (v128.load offset=32 (local.get $source)))
          (local.set $in3 (v128.load offset=48 (local.get $source)))
          (v128.store (local.get $target)
            (v128.and
              (v128.xor
                (i8x16.min_s
                  (i8x16.max_s
                    (i8x16.narrow_i16x8_s
                      (i16x8.add
                        (i16x8.narrow_i32x4_s
                          (i32x4.sub (f32x4.add (f32x4.mul (local.get $in0) (local.get $inverseVector)) (local.get $magic)) (local.get $magic))
                          (i32x4.sub (f32x4.add (f32x4.mul (local.get $in1) (local.get $inverseVector)) (local.get $magic)) (local.get $magic)))
                        (local.get $offsetVector))
                      (i16x8.add
                        (i16x8.narrow_i32x4_s
                          (i32x4.sub (f32x4.add (f32x4.mul (local.get $in2) (local.get $inverseVector)) (local.get $magic)) (local.get $magic))
                          (i32x4.sub (f32x4.add (f32x4.mul (local.get $in3) (local.get $inverseVector)) (local.get $magic)) (local.get $magic)))
                        (local.get $offsetVector)))
                    (local.get $low))
                  (local.get $high))
                (local.get $biasVector))
              (local.get $maskVector)))
          (local.set $source (i32.add (local.get $source) (i32.const 64)))
          (local.set $target (i32.add (local.get $target) (i32.const 16)))
          (br_if $vectorLoop (i32.lt_u (local.get $source) (local.get $groupEnd))))
        (local.set $inverse (i32.add (local.get $inverse) (i32.const 4)))
        (local.set $offsets (i32.add (local.get $offsets) (i32.const 2)))
        (br $groupLoop))))

  ;; Asymmetric codes need each slot's signed range, not its largest magnitude. Ranges are taken as
  ;; ordered integer keys: key(x) = bits(x) ^ ((bits(x) >> 31) >>> 1) (arithmetic, then logical
  ;; shift), compared signed, orders exactly as the floats do (−0 just below +0), and is its own
  ;; inverse. NaN keys lie beyond the infinities' on their sign's side (a positive NaN above +∞, a
  ;; negative one below −∞), so a min / max pass carries every NaN and infinity to the range's
  ;; ends, where chooseRanges sees them. Keys start at 0 (+0): the JS path's ranges start at
  ;; [0, 0] too (they include 0).

  ;; Per column range keys of a row-major [rows, columns] float32 block at `values`, merged into
  ;; the keys at `lows` / `highs` (one per column; the caller zeroes them first). The walk of
  ;; columnKeys: 16 columns at a time with the keys in registers, then 4, then single columns.
  (func $columnRanges (export "columnRanges") (param $values i32) (param $rows i32) (param $columns i32) (param $lows i32) (param $highs i32)
    (local $rowBytes i32) (local $column i32) (local $row i32) (local $pointer i32) (local $lowSlot i32) (local $highSlot i32)
    (local $raw v128) (local $key v128) (local $word i32) (local $scalar i32)
    (local $low0 v128) (local $low1 v128) (local $low2 v128) (local $low3 v128)
    (local $high0 v128) (local $high1 v128) (local $high2 v128) (local $high3 v128)
    (local.set $rowBytes (i32.shl (local.get $columns) (i32.const 2)))
    (block $blocksDone
      (loop $blockLoop
        (br_if $blocksDone (i32.gt_u (i32.add (local.get $column) (i32.const 16)) (local.get $columns)))
        (local.set $lowSlot (i32.add (local.get $lows) (i32.shl (local.get $column) (i32.const 2))))
        (local.set $highSlot (i32.add (local.get $highs) (i32.shl (local.get $column) (i32.const 2))))
        (local.set $low0 (v128.load offset=0 (local.get $lowSlot)))
        (local.set $high0 (v128.load offset=0 (local.get $highSlot)))
        (local.set $low1 (v128.load offset=16 (local.get $lowSlot)))
        (local.set $high1 (v128.load offset=16 (local.get $highSlot)))
        (local.set $low2 (v128.load offset=32 (local.get $lowSlot)))
        (local.set $high2 (v128.load offset=32 (local.get $highSlot)))
        (local.set $low3 (v128.load offset=48 (local.get $lowSlot)))
        (local.set $high3 (v128.load offset=48 (local.get $highSlot)))
        (local.set $pointer (i32.add (local.get $values) (i32.shl (local.get $column) (i32.const 2))))
        (local.set $row (i32.const 0))
        (block $rowsDone
          (loop $rowLoop
            (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
            (local.set $key (v128.xor (local.tee $raw (v128.load offset=0 (local.get $pointer))) (i32x4.shr_u (i32x4.shr_s (local.get $raw) (i32.const 31)) (i32.const 1))))
            (local.set $low0 (i32x4.min_s (local.get $low0) (local.get $key)))
            (local.set $high0 (i32x4.max_s (local.get $high0) (local.get $key)))
            (local.set $key (v128.xor (local.tee $raw (v128.load offset=16 (local.get $pointer))) (i32x4.shr_u (i32x4.shr_s (local.get $raw) (i32.const 31)) (i32.const 1))))
            (local.set $low1 (i32x4.min_s (local.get $low1) (local.get $key)))
            (local.set $high1 (i32x4.max_s (local.get $high1) (local.get $key)))
            (local.set $key (v128.xor (local.tee $raw (v128.load offset=32 (local.get $pointer))) (i32x4.shr_u (i32x4.shr_s (local.get $raw) (i32.const 31)) (i32.const 1))))
            (local.set $low2 (i32x4.min_s (local.get $low2) (local.get $key)))
            (local.set $high2 (i32x4.max_s (local.get $high2) (local.get $key)))
            (local.set $key (v128.xor (local.tee $raw (v128.load offset=48 (local.get $pointer))) (i32x4.shr_u (i32x4.shr_s (local.get $raw) (i32.const 31)) (i32.const 1))))
            (local.set $low3 (i32x4.min_s (local.get $low3) (local.get $key)))
            (local.set $high3 (i32x4.max_s (local.get $high3) (local.get $key)))
            (local.set $pointer (i32.add (local.get $pointer) (local.get $rowBytes)))
            (local.set $row (i32.add (local.get $row) (i32.const 1)))
            (br $rowLoop)))
        (v128.store offset=0 (local.get $lowSlot) (local.get $low0))
        (v128.store offset=0 (local.get $highSlot) (local.get $high0))
        (v128.store offset=16 (local.get $lowSlot) (local.get $low1))
        (v128.store offset=16 (local.get $highSlot) (local.get $high1))
        (v128.store offset=32 (local.get $lowSlot) (local.get $low2))
        (v128.store offset=32 (local.get $highSlot) (local.get $high2))
        (v128.store offset=48 (local.get $lowSlot) (local.get $low3))
        (v128.store offset=48 (local.get $highSlot) (local.get $high3))
        (local.set $column (i32.add (local.get $column) (i32.const 16)))
        (br $blockLoop)))
    (block $quadsDone
      (loop $quadLoop
        (br_if $quadsDone (i32.gt_u (i32.add (local.get $column) (i32.const 4)) (local.get $columns)))
        (local.set $lowSlot (i32.add (local.get $lows) (i32.shl (local.get $column) (i32.const 2))))
        (local.set $highSlot (i32.add (local.get $highs) (i32.shl (local.get $column) (i32.const 2))))
        (local.set $low0 (v128.load (local.get $lowSlot)))
        (local.set $high0 (v128.load (local.get $highSlot)))
        (local.set $pointer (i32.add (local.get $values) (i32.shl (local.get $column) (i32.const 2))))
        (local.set $row (i32.const 0))
        (block $rowsDone
          (loop $rowLoop
            (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
            (local.set $key (v128.xor (local.tee $raw (v128.load (local.get $pointer))) (i32x4.shr_u (i32x4.shr_s (local.get $raw) (i32.const 31)) (i32.const 1))))
            (local.set $low0 (i32x4.min_s (local.get $low0) (local.get $key)))
            (local.set $high0 (i32x4.max_s (local.get $high0) (local.get $key)))
            (local.set $pointer (i32.add (local.get $pointer) (local.get $rowBytes)))
            (local.set $row (i32.add (local.get $row) (i32.const 1)))
            (br $rowLoop)))
        (v128.store (local.get $lowSlot) (local.get $low0))
        (v128.store (local.get $highSlot) (local.get $high0))
        (local.set $column (i32.add (local.get $column) (i32.const 4)))
        (br $quadLoop)))
    (block $singlesDone
      (loop $singleLoop
        (br_if $singlesDone (i32.ge_u (local.get $column) (local.get $columns)))
        (local.set $lowSlot (i32.add (local.get $lows) (i32.shl (local.get $column) (i32.const 2))))
        (local.set $highSlot (i32.add (local.get $highs) (i32.shl (local.get $column) (i32.const 2))))
        (local.set $pointer (i32.add (local.get $values) (i32.shl (local.get $column) (i32.const 2))))
        (local.set $row (i32.const 0))
        (block $rowsDone
          (loop $rowLoop
            (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $rows)))
            (local.set $scalar (i32.xor (local.tee $word (i32.load (local.get $pointer)))
              (i32.shr_u (i32.shr_s (local.get $word) (i32.const 31)) (i32.const 1))))
            (if (i32.lt_s (local.get $scalar) (i32.load (local.get $lowSlot))) (then (i32.store (local.get $lowSlot) (local.get $scalar))))
            (if (i32.gt_s (local.get $scalar) (i32.load (local.get $highSlot))) (then (i32.store (local.get $highSlot) (local.get $scalar))))
            (local.set $pointer (i32.add (local.get $pointer) (local.get $rowBytes)))
            (local.set $row (i32.add (local.get $row) (i32.const 1)))
            (br $rowLoop)))
        (local.set $column (i32.add (local.get $column) (i32.const 1)))
        (br $singleLoop))))

  ;; Range keys of `count` contiguous float32 at `values`, merged into the keys at `lowSlot` /
  ;; `highSlot`.
  (func $runRange (export "runRange") (param $values i32) (param $count i32) (param $lowSlot i32) (param $highSlot i32)
    (local $end i32) (local $vectorEnd i32) (local $pointer i32) (local $raw v128) (local $key v128) (local $word i32)
    (local $low0 v128) (local $low1 v128) (local $high0 v128) (local $high1 v128) (local $low i32) (local $high i32) (local $scalar i32)
    (local.set $pointer (local.get $values))
    (local.set $end (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
    (local.set $vectorEnd (i32.add (local.get $values) (i32.shl (i32.and (local.get $count) (i32.const -8)) (i32.const 2))))
    (block $vectorsDone
      (loop $vectorLoop
        (br_if $vectorsDone (i32.ge_u (local.get $pointer) (local.get $vectorEnd)))
        (local.set $key (v128.xor (local.tee $raw (v128.load (local.get $pointer))) (i32x4.shr_u (i32x4.shr_s (local.get $raw) (i32.const 31)) (i32.const 1))))
        (local.set $low0 (i32x4.min_s (local.get $low0) (local.get $key)))
        (local.set $high0 (i32x4.max_s (local.get $high0) (local.get $key)))
        (local.set $key (v128.xor (local.tee $raw (v128.load offset=16 (local.get $pointer))) (i32x4.shr_u (i32x4.shr_s (local.get $raw) (i32.const 31)) (i32.const 1))))
        (local.set $low1 (i32x4.min_s (local.get $low1) (local.get $key)))
        (local.set $high1 (i32x4.max_s (local.get $high1) (local.get $key)))
        (local.set $pointer (i32.add (local.get $pointer) (i32.const 32)))
        (br $vectorLoop)))
    (local.set $low0 (i32x4.min_s (local.get $low0) (local.get $low1)))
    (local.set $low0 (i32x4.min_s (local.get $low0)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $low0) (local.get $low0))))
    (local.set $low0 (i32x4.min_s (local.get $low0)
      (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $low0) (local.get $low0))))
    (local.set $high0 (i32x4.max_s (local.get $high0) (local.get $high1)))
    (local.set $high0 (i32x4.max_s (local.get $high0)
      (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $high0) (local.get $high0))))
    (local.set $high0 (i32x4.max_s (local.get $high0)
      (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $high0) (local.get $high0))))
    (local.set $low (i32x4.extract_lane 0 (local.get $low0)))
    (local.set $high (i32x4.extract_lane 0 (local.get $high0)))
    (block $tailDone
      (loop $tailLoop
        (br_if $tailDone (i32.ge_u (local.get $pointer) (local.get $end)))
        (local.set $scalar (i32.xor (local.tee $word (i32.load (local.get $pointer)))
          (i32.shr_u (i32.shr_s (local.get $word) (i32.const 31)) (i32.const 1))))
        (if (i32.lt_s (local.get $scalar) (local.get $low)) (then (local.set $low (local.get $scalar))))
        (if (i32.gt_s (local.get $scalar) (local.get $high)) (then (local.set $high (local.get $scalar))))
        (local.set $pointer (i32.add (local.get $pointer) (i32.const 4)))
        (br $tailLoop)))
    (if (i32.lt_s (local.get $low) (i32.load (local.get $lowSlot))) (then (i32.store (local.get $lowSlot) (local.get $low))))
    (if (i32.gt_s (local.get $high) (i32.load (local.get $highSlot))) (then (i32.store (local.get $highSlot) (local.get $high)))))

  ;; Per-group range keys of a row-major [rows, columns] block whose groups are `groupRows`
  ;; consecutive rows (the groupKeys walk): one pair per group and column at `lows` / `highs`
  ;; (zeroed by the caller).
  (func (export "groupRanges") (param $values i32) (param $rows i32) (param $columns i32) (param $groupRows i32) (param $lows i32) (param $highs i32)
    (local $row i32) (local $blockBytes i32) (local $keyBytes i32)
    (local.set $blockBytes (i32.shl (i32.mul (local.get $groupRows) (local.get $columns)) (i32.const 2)))
    (local.set $keyBytes (i32.shl (local.get $columns) (i32.const 2)))
    (block $done
      (loop $groupLoop
        (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
        (call $columnRanges (local.get $values)
          (select (local.get $groupRows) (i32.sub (local.get $rows) (local.get $row))
            (i32.le_u (i32.add (local.get $row) (local.get $groupRows)) (local.get $rows)))
          (local.get $columns) (local.get $lows) (local.get $highs))
        (local.set $values (i32.add (local.get $values) (local.get $blockBytes)))
        (local.set $lows (i32.add (local.get $lows) (local.get $keyBytes)))
        (local.set $highs (i32.add (local.get $highs) (local.get $keyBytes)))
        (local.set $row (i32.add (local.get $row) (local.get $groupRows)))
        (br $groupLoop))))

  ;; Range keys of `groups` contiguous groups of rows of `length` values (the runGroupKeys walk):
  ;; one pair per group at `lows` / `highs`.
  (func (export "runGroupRanges") (param $values i32) (param $groups i32) (param $length i32) (param $groupSize i32) (param $lows i32) (param $highs i32)
    (local $group i32) (local $position i32) (local $count i32)
    (block $done
      (loop $groupLoop
        (br_if $done (i32.ge_u (local.get $group) (local.get $groups)))
        (local.set $count (i32.sub (local.get $length) (local.get $position)))
        (if (i32.gt_u (local.get $count) (local.get $groupSize)) (then (local.set $count (local.get $groupSize))))
        (i32.store (local.get $lows) (i32.const 0))
        (i32.store (local.get $highs) (i32.const 0))
        (call $runRange (local.get $values) (local.get $count) (local.get $lows) (local.get $highs))
        (local.set $values (i32.add (local.get $values) (i32.shl (local.get $count) (i32.const 2))))
        (local.set $lows (i32.add (local.get $lows) (i32.const 4)))
        (local.set $highs (i32.add (local.get $highs) (i32.const 4)))
        (local.set $position (i32.add (local.get $position) (local.get $count)))
        (if (i32.ge_u (local.get $position) (local.get $length)) (then (local.set $position (i32.const 0))))
        (local.set $group (i32.add (local.get $group) (i32.const 1)))
        (br $groupLoop))))

  ;; Scales and zero points of `count` slots from their range keys, exactly as the JS path chooses
  ;; them (`affineScale` with `representableScale`, then `affineZeroPoint`), all in float64:
  ;; scale = (high − low) / (qmax − qmin) (1 for an all-zero range), at least 2^-1022, rounded up
  ;; to the stored dtype's grid; zero point = qmin − round(low / scale), clamped to [qmin, qmax]
  ;; (|low / scale| <= qmax − qmin, so the rounding is exact and the truncation safe). Writes
  ;; 1 / scale (rounded to float32) at `inverse`, the stored scale at `stored`, the zero point as a byte at `zeroPoints`
  ;; and as an offset (zero point − 128, int16) at `offsets`. Returns the slots done, as
  ;; chooseScales does (a NaN or an infinity in the range, or a scale beyond the dtype, stops it).
  (func $chooseRanges (export "chooseRanges") (param $lows i32) (param $highs i32) (param $count i32) (param $qmin i32) (param $qmax i32)
    (param $float16 i32) (param $inverse i32) (param $stored i32) (param $offsets i32) (param $zeroPoints i32) (result i32)
    (local $slot i32) (local $lowKey i32) (local $highKey i32) (local $low f64) (local $high f64) (local $raw f64) (local $scale f64)
    (local $spacing f64) (local $precision i64) (local $minimumExponent i64) (local $exponent i64) (local $largest f64) (local $zeroPoint i32)
    (local $lowKeys v128) (local $highKeys v128) (local $lowValues v128) (local $widths v128) (local $raw2 v128) (local $scales v128) (local $zeros v128)
    (local $inverses v128) (local $inverse32 f32) (local $biased v128) (local $spacings v128) (local $quotients v128) (local $halves v128) (local $floorBiased v128) (local $spacingBias v128) (local $inverseBias v128)
    (local.set $precision (select (i64.const 11) (i64.const 24) (local.get $float16)))
    (local.set $minimumExponent (select (i64.const -14) (i64.const -126) (local.get $float16)))
    (local.set $largest (select (f64.const 65504) (f64.const 0x1.fffffep+127) (local.get $float16)))
    (local.set $floorBiased (i64x2.splat (i64.add (local.get $minimumExponent) (i64.const 1023))))
    (local.set $spacingBias (i64x2.splat (i64.sub (local.get $precision) (i64.const 1))))
    (local.set $inverseBias (i64x2.splat (i64.add (i64.const 2045) (local.get $precision))))
    ;; Two slots at a time, as in chooseScales; the scalar loop below finishes (and finds a failing slot exactly).
    (block $pairsDone
      (loop $pairLoop
        (br_if $pairsDone (i32.gt_u (i32.add (local.get $slot) (i32.const 2)) (local.get $count)))
        (local.set $lowKeys (v128.load64_zero (i32.add (local.get $lows) (i32.shl (local.get $slot) (i32.const 2)))))
        (local.set $highKeys (v128.load64_zero (i32.add (local.get $highs) (i32.shl (local.get $slot) (i32.const 2)))))
        (br_if $pairsDone (v128.any_true (v128.or
          (i32x4.gt_s (local.get $highKeys) (i32x4.splat (i32.const 0x7f7fffff)))
          (i32x4.lt_s (local.get $lowKeys) (i32x4.splat (i32.const 0x80800000))))))
        (local.set $lowValues (f64x2.promote_low_f32x4 (v128.xor (local.get $lowKeys)
          (i32x4.shr_u (i32x4.shr_s (local.get $lowKeys) (i32.const 31)) (i32.const 1)))))
        (local.set $widths (f64x2.sub
          (f64x2.promote_low_f32x4 (v128.xor (local.get $highKeys) (i32x4.shr_u (i32x4.shr_s (local.get $highKeys) (i32.const 31)) (i32.const 1))))
          (local.get $lowValues)))
        (local.set $raw2 (v128.bitselect
          (f64x2.div (local.get $widths) (f64x2.splat (f64.convert_i32_s (i32.sub (local.get $qmax) (local.get $qmin)))))
          (f64x2.splat (f64.const 1))
          (f64x2.gt (local.get $widths) (f64x2.splat (f64.const 0)))))
        (local.set $raw2 (f64x2.max (local.get $raw2) (f64x2.splat (f64.const 0x1p-1022))))
        ;; Round to the grid as described above chooseScales (inline: a call per pair cost a third of the loop).
        (local.set $biased (i64x2.shr_u (local.get $raw2) (i32.const 52)))
        (local.set $biased (v128.bitselect (local.get $floorBiased) (local.get $biased) (i64x2.lt_s (local.get $biased) (local.get $floorBiased))))
        (local.set $spacings (i64x2.shl (i64x2.sub (local.get $biased) (local.get $spacingBias)) (i32.const 52)))
        (local.set $quotients (f64x2.mul (local.get $raw2) (i64x2.shl (i64x2.sub (local.get $inverseBias) (local.get $biased)) (i32.const 52))))
        (local.set $scales (f64x2.mul
          (v128.bitselect (f64x2.nearest (local.get $quotients)) (f64x2.ceil (local.get $quotients)) (v128.const i64x2 0 0))
          (local.get $spacings)))
        (local.set $scales (v128.bitselect (local.get $spacings) (local.get $scales) (f64x2.eq (local.get $scales) (f64x2.splat (f64.const 0)))))
        (br_if $pairsDone (v128.any_true (f64x2.gt (local.get $scales) (f64x2.splat (local.get $largest)))))
        ;; 1 / scale rounded to float32 (as Math.fround rounds it); a scale so small that its inverse
        ;; is beyond float32 stops the pair (the JS path codes with the float64 inverse there).
        (local.set $inverses (f32x4.demote_f64x2_zero (f64x2.div (f64x2.splat (f64.const 1)) (local.get $scales))))
        (br_if $pairsDone (v128.any_true (f32x4.eq (f32x4.abs (local.get $inverses)) (v128.const f32x4 inf inf inf inf))))
        (v128.store64_lane 0 (i32.add (local.get $inverse) (i32.shl (local.get $slot) (i32.const 2))) (local.get $inverses))
        (if (local.get $float16)
          (then
            ;; Times 2^-112 (see above), a float32 whose bits >> 13 are the half bits.
            (local.set $halves (f32x4.demote_f64x2_zero (f64x2.mul (local.get $scales) (f64x2.splat (f64.const 0x1p-112)))))
            (local.set $halves (v128.or
              (v128.and (i32x4.shr_u (local.get $halves) (i32.const 13)) (i32x4.splat (i32.const 0x7fff)))
              (v128.and (i32x4.shr_u (local.get $halves) (i32.const 16)) (i32x4.splat (i32.const 0x8000)))))
            (v128.store32_lane 0 (i32.add (local.get $stored) (i32.shl (local.get $slot) (i32.const 1)))
              (i8x16.shuffle 0 1 4 5 0 1 4 5 0 1 4 5 0 1 4 5 (local.get $halves) (local.get $halves))))
          (else
            (v128.store64_lane 0 (i32.add (local.get $stored) (i32.shl (local.get $slot) (i32.const 2)))
              (f32x4.demote_f64x2_zero (local.get $scales)))))
        (local.set $zeros (i32x4.min_s (i32x4.splat (local.get $qmax)) (i32x4.max_s (i32x4.splat (local.get $qmin))
          (i32x4.sub (i32x4.splat (local.get $qmin)) (i32x4.trunc_sat_f64x2_s_zero (f64x2.nearest (f64x2.div (local.get $lowValues) (local.get $scales))))))))
        (v128.store16_lane 0 (i32.add (local.get $zeroPoints) (local.get $slot))
          (i8x16.shuffle 0 4 0 4 0 4 0 4 0 4 0 4 0 4 0 4 (local.get $zeros) (local.get $zeros)))
        (local.set $zeros (i32x4.sub (local.get $zeros) (i32x4.splat (i32.const 128))))
        (v128.store32_lane 0 (i32.add (local.get $offsets) (i32.shl (local.get $slot) (i32.const 1)))
          (i8x16.shuffle 0 1 4 5 0 1 4 5 0 1 4 5 0 1 4 5 (local.get $zeros) (local.get $zeros)))
        (local.set $slot (i32.add (local.get $slot) (i32.const 2)))
        (br $pairLoop)))
    (block $done
      (loop $slotLoop
        (br_if $done (i32.ge_u (local.get $slot) (local.get $count)))
        (local.set $lowKey (i32.load (i32.add (local.get $lows) (i32.shl (local.get $slot) (i32.const 2)))))
        (local.set $highKey (i32.load (i32.add (local.get $highs) (i32.shl (local.get $slot) (i32.const 2)))))
        ;; Beyond ±largest float32: an infinity or a NaN.
        (br_if $done (i32.gt_s (local.get $highKey) (i32.const 0x7f7fffff)))
        (br_if $done (i32.lt_s (local.get $lowKey) (i32.const 0x80800000)))
        (local.set $low (f64.promote_f32 (f32.reinterpret_i32 (i32.xor (local.get $lowKey)
          (i32.shr_u (i32.shr_s (local.get $lowKey) (i32.const 31)) (i32.const 1))))))
        (local.set $high (f64.promote_f32 (f32.reinterpret_i32 (i32.xor (local.get $highKey)
          (i32.shr_u (i32.shr_s (local.get $highKey) (i32.const 31)) (i32.const 1))))))
        (local.set $raw (select
          (f64.div (f64.sub (local.get $high) (local.get $low)) (f64.convert_i32_s (i32.sub (local.get $qmax) (local.get $qmin))))
          (f64.const 1)
          (f64.gt (f64.sub (local.get $high) (local.get $low)) (f64.const 0))))
        (local.set $raw (f64.max (local.get $raw) (f64.const 0x1p-1022)))
        ;; Round up to the dtype's grid, as chooseScales does on the absmax grid.
        (local.set $exponent (i64.sub (i64.and (i64.shr_u (i64.reinterpret_f64 (local.get $raw)) (i64.const 52)) (i64.const 0x7ff)) (i64.const 1023)))
        (if (i64.lt_s (local.get $exponent) (local.get $minimumExponent)) (then (local.set $exponent (local.get $minimumExponent))))
        (local.set $spacing (f64.reinterpret_i64 (i64.shl
          (i64.add (i64.sub (local.get $exponent) (local.get $precision)) (i64.const 1024)) (i64.const 52))))
        (local.set $scale (f64.mul (f64.ceil (f64.div (local.get $raw) (local.get $spacing))) (local.get $spacing)))
        (br_if $done (f64.gt (local.get $scale) (local.get $largest)))
        (local.set $inverse32 (f32.demote_f64 (f64.div (f64.const 1) (local.get $scale))))
        (br_if $done (f32.eq (f32.abs (local.get $inverse32)) (f32.const inf)))
        (f32.store (i32.add (local.get $inverse) (i32.shl (local.get $slot) (i32.const 2))) (local.get $inverse32))
        (call $storeScale (local.get $scale) (local.get $float16) (local.get $stored) (local.get $slot))
        (local.set $zeroPoint (i32.sub (local.get $qmin)
          (i32.trunc_f64_s (f64.nearest (f64.div (local.get $low) (local.get $scale))))))
        (if (i32.lt_s (local.get $zeroPoint) (local.get $qmin)) (then (local.set $zeroPoint (local.get $qmin))))
        (if (i32.gt_s (local.get $zeroPoint) (local.get $qmax)) (then (local.set $zeroPoint (local.get $qmax))))
        (i32.store8 (i32.add (local.get $zeroPoints) (local.get $slot)) (local.get $zeroPoint))
        (i32.store16 (i32.add (local.get $offsets) (i32.shl (local.get $slot) (i32.const 1))) (i32.sub (local.get $zeroPoint) (i32.const 128)))
        (local.set $slot (i32.add (local.get $slot) (i32.const 1)))
        (br $slotLoop)))
    (local.get $slot))

  ;; Scales of `count` slots from their extreme keys at `keys`, exactly as the JS path chooses
  ;; them in float64 (`affineScale` / `signedExtremeScale` and `representableScale`): the raw
  ;; scale (2·|x|max / (qmax − qmin) on the absmax grid; |extreme| / −qmin on the signed-extreme
  ;; grid, negated when the extreme is positive), at least 2^-1022, rounded to the stored
  ;; dtype's grid (float16: 11 significant bits, spacing fixed below 2^-14; float32: 24, below
  ;; 2^-126): up on the absmax grid, to the nearest (never 0) on the signed-extreme grid. Writes 1 / scale (rounded to float32) at `inverse` and the stored scale (float16 bits or
  ;; float32) at `stored`. Returns the slots done: `count`, or the first slot that saw a NaN or an
  ;; infinity or whose scale does not fit the dtype or whose inverse does not fit float32 (the
  ;; caller then takes the JS path, which reports it or codes it).
  (func $chooseScales (export "chooseScales") (param $keys i32) (param $count i32) (param $qmin i32) (param $qmax i32)
    (param $signedExtreme i32) (param $float16 i32) (param $inverse i32) (param $stored i32) (param $offsets i32) (result i32)
    (local $slot i32) (local $key i32) (local $magnitude f64) (local $raw f64) (local $scale f64) (local $spacing f64)
    (local $precision i64) (local $minimumExponent i64) (local $exponent i64) (local $largest f64)
    (local $keys2 v128) (local $magnitudes v128) (local $raw2 v128) (local $scales v128) (local $numerator f64) (local $denominator f64)
    (local $step v128) (local $keys4 v128) (local $magnitudes4 v128) (local $positive4 v128) (local $scales4 v128) (local $biased4 v128) (local $spacings4 v128)
    (local $inverses v128) (local $inverse32 f32) (local $biased v128) (local $spacings v128) (local $quotients v128) (local $halves v128) (local $floorBiased v128) (local $spacingBias v128) (local $inverseBias v128) (local $nearestMask v128)
    (local.set $precision (select (i64.const 11) (i64.const 24) (local.get $float16)))
    (local.set $minimumExponent (select (i64.const -14) (i64.const -126) (local.get $float16)))
    (local.set $largest (select (f64.const 65504) (f64.const 0x1.fffffep+127) (local.get $float16)))
    ;; Two slots at a time (the divisions dominate, and f64x2 halves them); a pair with a
    ;; non-finite value or a scale beyond the dtype stops here, and the scalar loop below finds
    ;; exactly which slot fails. raw = magnitude · numerator / denominator: 2 / (qmax − qmin) on
    ;; the absmax grid, 1 / −qmin on the signed-extreme grid (the · 2 is exact, as in JS).
    (local.set $floorBiased (i64x2.splat (i64.add (local.get $minimumExponent) (i64.const 1023))))
    (local.set $spacingBias (i64x2.splat (i64.sub (local.get $precision) (i64.const 1))))
    (local.set $inverseBias (i64x2.splat (i64.add (i64.const 2045) (local.get $precision))))
    (local.set $nearestMask (i8x16.splat (i32.sub (i32.const 0) (local.get $signedExtreme))))
    (local.set $numerator (select (f64.const 1) (f64.const 2) (local.get $signedExtreme)))
    (local.set $denominator (f64.convert_i32_s (select
      (i32.sub (i32.const 0) (local.get $qmin)) (i32.sub (local.get $qmax) (local.get $qmin)) (local.get $signedExtreme))))
    ;; Four slots at a time in float32 lanes on the signed-extreme grid with −qmin a power of two
    ;; (not narrowed), where float32 is exact: raw = magnitude / −qmin is a power-of-two scaling (exact, or rounded to the nearest
    ;; subnormal exactly as the float64 path's rounding to the float32 grid rounds it), rounding
    ;; to the float16 grid is a power-of-two scaling and a nearest, and 1 / scale divided in
    ;; float32 is the float64 quotient rounded to float32 (division rounded twice through 53 bits
    ;; is innocuous for float32 operands). A quad with a non-finite value, a scale beyond the dtype
    ;; or an inverse beyond float32 stops here; the pair and scalar loops below go on from it.
    (if (i32.and (local.get $signedExtreme)
          (i32.eqz (i32.and (i32.sub (i32.const 0) (local.get $qmin)) (i32.sub (i32.const -1) (local.get $qmin)))))
      (then
        ;; 1 / −qmin, a power of two, from its bits: exponent 127 − log2(−qmin) (V8 evaluates a
        ;; loop-invariant division again in every turn of the loop below; bit operations are cheap).
        (local.set $step (i32x4.splat (i32.shl
          (i32.sub (i32.const 127) (i32.ctz (i32.sub (i32.const 0) (local.get $qmin)))) (i32.const 23))))
        (block $quadsDone
          (loop $quadLoop
            (br_if $quadsDone (i32.gt_u (i32.add (local.get $slot) (i32.const 4)) (local.get $count)))
            (local.set $keys4 (v128.load (i32.add (local.get $keys) (i32.shl (local.get $slot) (i32.const 2)))))
            (local.set $magnitudes4 (i32x4.shr_u (local.get $keys4) (i32.const 1)))
            (br_if $quadsDone (v128.any_true (i32x4.ge_u (local.get $magnitudes4) (i32x4.splat (i32.const 0x7f800000)))))
            (local.set $positive4 (f32x4.gt (local.get $magnitudes4) (f32x4.splat (f32.const 0))))
            (local.set $scales4 (v128.bitselect (f32x4.mul (local.get $magnitudes4) (local.get $step)) (f32x4.splat (f32.const 1)) (local.get $positive4)))
            (if (local.get $float16)
              (then
                ;; The spacing 2^(exponent − 10), the exponent at least −14 (biased 113), and its inverse, from bits.
                (local.set $biased4 (i32x4.max_s (i32x4.shr_u (local.get $scales4) (i32.const 23)) (i32x4.splat (i32.const 113))))
                (local.set $spacings4 (i32x4.shl (i32x4.sub (local.get $biased4) (i32x4.splat (i32.const 10))) (i32.const 23)))
                (local.set $scales4 (f32x4.mul
                  (f32x4.nearest (f32x4.mul (local.get $scales4) (i32x4.shl (i32x4.sub (i32x4.splat (i32.const 264)) (local.get $biased4)) (i32.const 23))))
                  (local.get $spacings4)))
                (local.set $scales4 (v128.bitselect (local.get $spacings4) (local.get $scales4) (f32x4.eq (local.get $scales4) (f32x4.splat (f32.const 0)))))
                (br_if $quadsDone (v128.any_true (f32x4.gt (local.get $scales4) (f32x4.splat (f32.const 65504))))))
              (else
                ;; On the float32 grid already; a raw scale that rounded to 0 becomes the smallest subnormal.
                (local.set $scales4 (v128.bitselect (i32x4.splat (i32.const 1)) (local.get $scales4) (f32x4.eq (local.get $scales4) (f32x4.splat (f32.const 0)))))))
            ;; Negative when the extreme is positive (key bit 0) and not 0.
            (local.set $scales4 (v128.xor (local.get $scales4)
              (v128.and (i32x4.shl (local.get $keys4) (i32.const 31)) (local.get $positive4))))
            (local.set $inverses (f32x4.div (f32x4.splat (f32.const 1)) (local.get $scales4)))
            (br_if $quadsDone (v128.any_true (f32x4.eq (f32x4.abs (local.get $inverses)) (v128.const f32x4 inf inf inf inf))))
            (v128.store (i32.add (local.get $inverse) (i32.shl (local.get $slot) (i32.const 2))) (local.get $inverses))
            (if (local.get $float16)
              (then
                ;; Times 2^-112 (see below), a float32 whose bits >> 13 are the half bits.
                (local.set $halves (f32x4.mul (local.get $scales4) (f32x4.splat (f32.const 0x1p-112))))
                (local.set $halves (v128.or
                  (v128.and (i32x4.shr_u (local.get $halves) (i32.const 13)) (i32x4.splat (i32.const 0x7fff)))
                  (v128.and (i32x4.shr_u (local.get $halves) (i32.const 16)) (i32x4.splat (i32.const 0x8000)))))
                (v128.store64_lane 0 (i32.add (local.get $stored) (i32.shl (local.get $slot) (i32.const 1)))
                  (i8x16.shuffle 0 1 4 5 8 9 12 13 0 1 4 5 8 9 12 13 (local.get $halves) (local.get $halves))))
              (else
                (v128.store (i32.add (local.get $stored) (i32.shl (local.get $slot) (i32.const 2))) (local.get $scales4))))
            (i64.store (i32.add (local.get $offsets) (i32.shl (local.get $slot) (i32.const 1))) (i64.const 0))
            (local.set $slot (i32.add (local.get $slot) (i32.const 4)))
            (br $quadLoop)))))
    (block $pairsDone
      (loop $pairLoop
        (br_if $pairsDone (i32.gt_u (i32.add (local.get $slot) (i32.const 2)) (local.get $count)))
        (local.set $keys2 (v128.load64_zero (i32.add (local.get $keys) (i32.shl (local.get $slot) (i32.const 2)))))
        (br_if $pairsDone (v128.any_true (i32x4.ge_u (i32x4.shr_u (local.get $keys2) (i32.const 1)) (i32x4.splat (i32.const 0x7f800000)))))
        (local.set $magnitudes (f64x2.promote_low_f32x4 (i32x4.shr_u (local.get $keys2) (i32.const 1))))
        (local.set $raw2 (f64x2.div (f64x2.mul (local.get $magnitudes) (f64x2.splat (local.get $numerator))) (f64x2.splat (local.get $denominator))))
        (local.set $raw2 (v128.bitselect (local.get $raw2) (f64x2.splat (f64.const 1)) (f64x2.gt (local.get $magnitudes) (f64x2.splat (f64.const 0)))))
        (local.set $raw2 (f64x2.max (local.get $raw2) (f64x2.splat (f64.const 0x1p-1022))))
        ;; Round to the grid as described above chooseScales (inline: a call per pair cost a third of the loop).
        (local.set $biased (i64x2.shr_u (local.get $raw2) (i32.const 52)))
        (local.set $biased (v128.bitselect (local.get $floorBiased) (local.get $biased) (i64x2.lt_s (local.get $biased) (local.get $floorBiased))))
        (local.set $spacings (i64x2.shl (i64x2.sub (local.get $biased) (local.get $spacingBias)) (i32.const 52)))
        (local.set $quotients (f64x2.mul (local.get $raw2) (i64x2.shl (i64x2.sub (local.get $inverseBias) (local.get $biased)) (i32.const 52))))
        (local.set $scales (f64x2.mul
          (v128.bitselect (f64x2.nearest (local.get $quotients)) (f64x2.ceil (local.get $quotients)) (local.get $nearestMask))
          (local.get $spacings)))
        (local.set $scales (v128.bitselect (local.get $spacings) (local.get $scales) (f64x2.eq (local.get $scales) (f64x2.splat (f64.const 0)))))
        (br_if $pairsDone (v128.any_true (f64x2.gt (local.get $scales) (f64x2.splat (local.get $largest)))))
        ;; Negative on the signed-extreme grid when the extreme is positive (key bit 0) and not 0.
        (local.set $scales (v128.xor (local.get $scales)
          (v128.and
            (v128.and (i64x2.shl (i64x2.extend_low_i32x4_u (local.get $keys2)) (i32.const 63))
              (f64x2.gt (local.get $magnitudes) (f64x2.splat (f64.const 0))))
            (i8x16.splat (i32.sub (i32.const 0) (local.get $signedExtreme))))))
        ;; 1 / scale rounded to float32 (as Math.fround rounds it); a scale so small that its inverse
        ;; is beyond float32 stops the pair (the JS path codes with the float64 inverse there).
        (local.set $inverses (f32x4.demote_f64x2_zero (f64x2.div (f64x2.splat (f64.const 1)) (local.get $scales))))
        (br_if $pairsDone (v128.any_true (f32x4.eq (f32x4.abs (local.get $inverses)) (v128.const f32x4 inf inf inf inf))))
        (v128.store64_lane 0 (i32.add (local.get $inverse) (i32.shl (local.get $slot) (i32.const 2))) (local.get $inverses))
        (if (local.get $float16)
          (then
            ;; Times 2^-112 (see above), a float32 whose bits >> 13 are the half bits.
            (local.set $halves (f32x4.demote_f64x2_zero (f64x2.mul (local.get $scales) (f64x2.splat (f64.const 0x1p-112)))))
            (local.set $halves (v128.or
              (v128.and (i32x4.shr_u (local.get $halves) (i32.const 13)) (i32x4.splat (i32.const 0x7fff)))
              (v128.and (i32x4.shr_u (local.get $halves) (i32.const 16)) (i32x4.splat (i32.const 0x8000)))))
            (v128.store32_lane 0 (i32.add (local.get $stored) (i32.shl (local.get $slot) (i32.const 1)))
              (i8x16.shuffle 0 1 4 5 0 1 4 5 0 1 4 5 0 1 4 5 (local.get $halves) (local.get $halves))))
          (else
            (v128.store64_lane 0 (i32.add (local.get $stored) (i32.shl (local.get $slot) (i32.const 2)))
              (f32x4.demote_f64x2_zero (local.get $scales)))))
        (i32.store (i32.add (local.get $offsets) (i32.shl (local.get $slot) (i32.const 1))) (i32.const 0))
        (local.set $slot (i32.add (local.get $slot) (i32.const 2)))
        (br $pairLoop)))
    (block $done
      (loop $slotLoop
        (br_if $done (i32.ge_u (local.get $slot) (local.get $count)))
        (local.set $key (i32.load (i32.add (local.get $keys) (i32.shl (local.get $slot) (i32.const 2)))))
        (br_if $done (i32.ge_u (i32.shr_u (local.get $key) (i32.const 1)) (i32.const 0x7f800000)))
        (local.set $magnitude (f64.promote_f32 (f32.reinterpret_i32 (i32.shr_u (local.get $key) (i32.const 1)))))
        (if (local.get $signedExtreme)
          (then
            (local.set $raw (select
              (f64.div (local.get $magnitude) (f64.convert_i32_s (i32.sub (i32.const 0) (local.get $qmin))))
              (f64.const 1)
              (f64.gt (local.get $magnitude) (f64.const 0)))))
          (else
            (local.set $raw (select
              (f64.div (f64.mul (f64.const 2) (local.get $magnitude)) (f64.convert_i32_s (i32.sub (local.get $qmax) (local.get $qmin))))
              (f64.const 1)
              (f64.gt (local.get $magnitude) (f64.const 0))))))
        (local.set $raw (f64.max (local.get $raw) (f64.const 0x1p-1022)))
        ;; Round up to the dtype's grid: the spacing 2^(exponent − precision + 1), built from bits.
        (local.set $exponent (i64.sub (i64.and (i64.shr_u (i64.reinterpret_f64 (local.get $raw)) (i64.const 52)) (i64.const 0x7ff)) (i64.const 1023)))
        (if (i64.lt_s (local.get $exponent) (local.get $minimumExponent)) (then (local.set $exponent (local.get $minimumExponent))))
        (local.set $spacing (f64.reinterpret_i64 (i64.shl
          (i64.add (i64.sub (local.get $exponent) (local.get $precision)) (i64.const 1024)) (i64.const 52))))
        ;; Up on the absmax grid (codes must cover ±max); nearest on the signed-extreme grid (the
        ;; extreme still rounds to qmin), at least the smallest positive value.
        (local.set $scale (f64.mul
          (select
            (f64.nearest (f64.div (local.get $raw) (local.get $spacing)))
            (f64.ceil (f64.div (local.get $raw) (local.get $spacing)))
            (local.get $signedExtreme))
          (local.get $spacing)))
        (if (f64.eq (local.get $scale) (f64.const 0)) (then (local.set $scale (local.get $spacing))))
        (br_if $done (f64.gt (local.get $scale) (local.get $largest)))
        (if (i32.and (local.get $signedExtreme)
              (i32.and (i32.and (local.get $key) (i32.const 1)) (f64.gt (local.get $magnitude) (f64.const 0))))
          (then (local.set $scale (f64.neg (local.get $scale)))))
        (local.set $inverse32 (f32.demote_f64 (f64.div (f64.const 1) (local.get $scale))))
        (br_if $done (f32.eq (f32.abs (local.get $inverse32)) (f32.const inf)))
        (f32.store (i32.add (local.get $inverse) (i32.shl (local.get $slot) (i32.const 2))) (local.get $inverse32))
        (call $storeScale (local.get $scale) (local.get $float16) (local.get $stored) (local.get $slot))
        (i32.store16 (i32.add (local.get $offsets) (i32.shl (local.get $slot) (i32.const 1))) (i32.const 0))
        (local.set $slot (i32.add (local.get $slot) (i32.const 1)))
        (br $slotLoop)))
    (local.get $slot))

  ;; The pair loops of chooseScales / chooseRanges round two raw scales (each at least 2^-1022)
  ;; to the stored dtype's grid as the scalar loops round one: the spacing
  ;; 2^(exponent − precision + 1) and its inverse are built from bits, so raw · inverse spacing is
  ;; exact (a power of two, no overflow or underflow) and equals raw / spacing; then ceil (or
  ;; nearest on the signed-extreme grid), never 0. They store float16 scales by rebiasing: a scale
  ;; on the float16 grid times 2^-112 is a float32 whose bits >> 13 are its half bits, subnormal
  ;; halves included (they become float32 subnormals, multiples of 2^-136); all exact.

  ;; Stores slot `slot`'s scale (on its dtype's grid already) at `stored`: float16 bits or float32.
  (func $storeScale (param $scale f64) (param $float16 i32) (param $stored i32) (param $slot i32)
    (local $absolute f64) (local $bits i64) (local $half i32)
    (if (local.get $float16)
      (then
        ;; The scale is on the float16 grid, so its half bits are exact: subnormal halves are
        ;; multiples of 2^-24; normal ones keep the double's exponent and top 10 mantissa bits.
        (local.set $absolute (f64.abs (local.get $scale)))
        (if (f64.lt (local.get $absolute) (f64.const 0x1p-14))
          (then (local.set $half (i32.trunc_f64_u (f64.mul (local.get $absolute) (f64.const 0x1p24)))))
          (else
            (local.set $bits (i64.reinterpret_f64 (local.get $absolute)))
            (local.set $half (i32.wrap_i64 (i64.or
              (i64.shl (i64.sub (i64.shr_u (local.get $bits) (i64.const 52)) (i64.const 1008)) (i64.const 10))
              (i64.and (i64.shr_u (local.get $bits) (i64.const 42)) (i64.const 0x3ff)))))))
        (i32.store16 (i32.add (local.get $stored) (i32.shl (local.get $slot) (i32.const 1)))
          (i32.or (local.get $half) (select (i32.const 0x8000) (i32.const 0) (f64.lt (local.get $scale) (f64.const 0))))))
      (else
        (f32.store (i32.add (local.get $stored) (i32.shl (local.get $slot) (i32.const 2))) (f32.demote_f64 (local.get $scale))))))

  ;; Packs `count` codes (one byte each, masked to `bits`, 1–8) at `codes` LSB-first into `out`,
  ;; continuing a stream whose unwritten low bits are `state` & 0xff and their count `state` >> 8
  ;; (0 to start). Writes every completed byte and returns the new state; the caller writes the
  ;; last partial byte. 4- and 2-bit codes starting on a byte go 32 / 64 codes at a time: in a
  ;; 16-bit lane b0 | b1 << 8, (lane | lane >> 4) & 0xff is b0 | b1 << 4 (>> 6: b0 | b1 << 2),
  ;; then an unsigned narrow to bytes (twice for 2 bits).
  (func $packCodes (export "packCodes") (param $codes i32) (param $count i32) (param $bits i32) (param $out i32) (param $state i32) (result i32)
    (local $end i32) (local $vectorEnd i32) (local $accumulator i32) (local $pending i32) (local $low v128)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local.set $low (v128.const i16x8 0xff 0xff 0xff 0xff 0xff 0xff 0xff 0xff))
    (local.set $accumulator (i32.and (local.get $state) (i32.const 0xff)))
    (local.set $pending (i32.shr_u (local.get $state) (i32.const 8)))
    (local.set $end (i32.add (local.get $codes) (local.get $count)))
    (if (i32.and (i32.eqz (local.get $pending)) (i32.eq (local.get $bits) (i32.const 4)))
      (then
        (local.set $vectorEnd (i32.add (local.get $codes) (i32.and (local.get $count) (i32.const -32))))
        (block $nibblesDone
          (loop $nibbleLoop
            (br_if $nibblesDone (i32.ge_u (local.get $codes) (local.get $vectorEnd)))
            (local.set $a (v128.load offset=0 (local.get $codes)))
            (local.set $b (v128.load offset=16 (local.get $codes)))
            (v128.store (local.get $out) (i8x16.narrow_i16x8_u
              (v128.and (v128.or (local.get $a) (i16x8.shr_u (local.get $a) (i32.const 4))) (local.get $low))
              (v128.and (v128.or (local.get $b) (i16x8.shr_u (local.get $b) (i32.const 4))) (local.get $low))))
            (local.set $codes (i32.add (local.get $codes) (i32.const 32)))
            (local.set $out (i32.add (local.get $out) (i32.const 16)))
            (br $nibbleLoop)))))
    (if (i32.and (i32.eqz (local.get $pending)) (i32.eq (local.get $bits) (i32.const 2)))
      (then
        (local.set $vectorEnd (i32.add (local.get $codes) (i32.and (local.get $count) (i32.const -64))))
        (block $pairsDone
          (loop $pairLoop
            (br_if $pairsDone (i32.ge_u (local.get $codes) (local.get $vectorEnd)))
            (local.set $a (v128.load offset=0 (local.get $codes)))
            (local.set $b (v128.load offset=16 (local.get $codes)))
            (local.set $c (v128.load offset=32 (local.get $codes)))
            (local.set $d (v128.load offset=48 (local.get $codes)))
            (local.set $a (i8x16.narrow_i16x8_u
              (v128.and (v128.or (local.get $a) (i16x8.shr_u (local.get $a) (i32.const 6))) (local.get $low))
              (v128.and (v128.or (local.get $b) (i16x8.shr_u (local.get $b) (i32.const 6))) (local.get $low))))
            (local.set $c (i8x16.narrow_i16x8_u
              (v128.and (v128.or (local.get $c) (i16x8.shr_u (local.get $c) (i32.const 6))) (local.get $low))
              (v128.and (v128.or (local.get $d) (i16x8.shr_u (local.get $d) (i32.const 6))) (local.get $low))))
            (v128.store (local.get $out) (i8x16.narrow_i16x8_u
              (v128.and (v128.or (local.get $a) (i16x8.shr_u (local.get $a) (i32.const 4))) (local.get $low))
              (v128.and (v128.or (local.get $c) (i16x8.shr_u (local.get $c) (i32.const 4))) (local.get $low))))
            (local.set $codes (i32.add (local.get $codes) (i32.const 64)))
            (local.set $out (i32.add (local.get $out) (i32.const 16)))
            (br $pairLoop)))))
    (block $scalarDone
      (loop $scalarLoop
        (br_if $scalarDone (i32.ge_u (local.get $codes) (local.get $end)))
        (local.set $accumulator (i32.or (local.get $accumulator)
          (i32.shl (i32.load8_u (local.get $codes)) (local.get $pending))))
        (local.set $pending (i32.add (local.get $pending) (local.get $bits)))
        (if (i32.ge_u (local.get $pending) (i32.const 8))
          (then
            (i32.store8 (local.get $out) (local.get $accumulator))
            (local.set $out (i32.add (local.get $out) (i32.const 1)))
            (local.set $accumulator (i32.shr_u (local.get $accumulator) (i32.const 8)))
            (local.set $pending (i32.sub (local.get $pending) (i32.const 8)))))
        (local.set $codes (i32.add (local.get $codes) (i32.const 1)))
        (br $scalarLoop)))
    (i32.or (local.get $accumulator) (i32.shl (local.get $pending) (i32.const 8))))
)
