;; Hand-written WebAssembly SIMD kernels that run on the tfjs-wasm heap (the memory is imported from the tfjs
;; module, so pointers are the backend's own tensor offsets). Built with `wat2wasm --enable-simd` into
;; kernels-wasm.ts by src/model/simd/build.sh; the TypeScript side (simd.ts) checks every call's arguments.
(module
  (import "env" "memory" (memory 1 65536))

  ;; e^x on four lanes, for x ≤ 88 (Cephes expf: n = round(x·log2 e), r = x − n·ln 2, degree-6 polynomial, 2^n by
  ;; exponent bits). Inputs below −87 are clamped (e^−87 ≈ 1.6e−38: a masked score contributes nothing).
  (func $exp4 (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $y v128)
    (local.set $x (f32x4.min (f32x4.max (local.get $x) (f32x4.splat (f32.const -87.0))) (f32x4.splat (f32.const 88.0))))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (f32x4.splat (f32.const 1.44269504088896341)))))
    (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (f32x4.splat (f32.const 0.693359375)))))
    (local.set $r (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (f32x4.splat (f32.const -2.12194440e-4)))))
    (local.set $y (f32x4.splat (f32.const 1.9875691500e-4)))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (f32x4.splat (f32.const 1.3981999507e-3))))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (f32x4.splat (f32.const 8.3334519073e-3))))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (f32x4.splat (f32.const 4.1665795894e-2))))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (f32x4.splat (f32.const 1.6666665459e-1))))
    (local.set $y (f32x4.add (f32x4.mul (local.get $y) (local.get $r)) (f32x4.splat (f32.const 5.0000001201e-1))))
    (local.set $y (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $y) (local.get $r)) (local.get $r)) (local.get $r))
                             (f32x4.splat (f32.const 1.0))))
    (f32x4.mul (local.get $y)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (i32x4.splat (i32.const 127))) (i32.const 23))))

  (func $hsum (param $v v128) (result f32)
    (f32.add (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
             (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; e^x for the shapes the kernels export (tested against Math.exp from the TypeScript side)
  (func (export "exp_f32") (param $src i32) (param $dst i32) (param $n i32)
    (local $i i32)
    (block $done (loop $l
      (br_if $done (i32.ge_u (i32.add (local.get $i) (i32.const 4)) (i32.add (local.get $n) (i32.const 1))))
      (v128.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2)))
        (call $exp4 (v128.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2))))))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $l)))
    (block $done2 (loop $l2
      (br_if $done2 (i32.ge_u (local.get $i) (local.get $n)))
      (f32.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2)))
        (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (f32.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2))))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l2))))

  ;; One decode step of attention for B rows × H heads. qkv [B, 3D] holds this step's q | k | v; the caches kc, vc
  ;; [B, H, cap, dh] get k and v written at position `pos` (in place), then each head attends over 0..pos with the
  ;; additive key mask [B, cap]. out [B, D] (heads concatenated). sc: scratch for cap floats. dh % 4 == 0.
  (func (export "decode_attn")
    (param $qkv i32) (param $kc i32) (param $vc i32) (param $mask i32) (param $out i32) (param $sc i32)
    (param $B i32) (param $H i32) (param $cap i32) (param $dh i32) (param $pos i32) (param $scale f32)
    (local $b i32) (local $h i32) (local $j i32) (local $d i32) (local $D i32) (local $dhb i32)
    (local $qp i32) (local $kb i32) (local $vb i32) (local $kj i32) (local $op i32) (local $n4 i32)
    (local $acc v128) (local $s f32) (local $max f32) (local $sum f32) (local $e v128) (local $p v128)
    (local.set $D (i32.mul (local.get $H) (local.get $dh)))
    (local.set $dhb (i32.shl (local.get $dh) (i32.const 2)))
    (local.set $b (i32.const 0))
    (block $bdone (loop $bl
      (br_if $bdone (i32.ge_u (local.get $b) (local.get $B)))
      (local.set $h (i32.const 0))
      (block $hdone (loop $hl
        (br_if $hdone (i32.ge_u (local.get $h) (local.get $H)))
        ;; q at qkv[b, h·dh]; k and v at +D and +2D floats
        (local.set $qp (i32.add (local.get $qkv)
          (i32.shl (i32.add (i32.mul (local.get $b) (i32.mul (local.get $D) (i32.const 3))) (i32.mul (local.get $h) (local.get $dh))) (i32.const 2))))
        (local.set $kb (i32.add (local.get $kc)
          (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $H)) (local.get $h)) (local.get $cap)) (local.get $dhb))))
        (local.set $vb (i32.add (local.get $vc) (i32.sub (local.get $kb) (local.get $kc))))
        ;; write k and v at pos
        (local.set $d (i32.const 0))
        (block $wdone (loop $wl
          (br_if $wdone (i32.ge_u (local.get $d) (local.get $dhb)))
          (v128.store (i32.add (i32.add (local.get $kb) (i32.mul (local.get $pos) (local.get $dhb))) (local.get $d))
            (v128.load (i32.add (i32.add (local.get $qp) (i32.shl (local.get $D) (i32.const 2))) (local.get $d))))
          (v128.store (i32.add (i32.add (local.get $vb) (i32.mul (local.get $pos) (local.get $dhb))) (local.get $d))
            (v128.load (i32.add (i32.add (local.get $qp) (i32.shl (local.get $D) (i32.const 3))) (local.get $d))))
          (local.set $d (i32.add (local.get $d) (i32.const 16)))
          (br $wl)))
        ;; scores s_j = scale·(q·k_j) + mask[b, j], and their max
        (local.set $max (f32.const -inf))
        (local.set $j (i32.const 0))
        (block $sdone (loop $sl
          (br_if $sdone (i32.gt_u (local.get $j) (local.get $pos)))
          (local.set $kj (i32.add (local.get $kb) (i32.mul (local.get $j) (local.get $dhb))))
          (local.set $acc (f32x4.splat (f32.const 0)))
          (local.set $d (i32.const 0))
          (block $ddone (loop $dl
            (br_if $ddone (i32.ge_u (local.get $d) (local.get $dhb)))
            (local.set $acc (f32x4.add (local.get $acc)
              (f32x4.mul (v128.load (i32.add (local.get $qp) (local.get $d))) (v128.load (i32.add (local.get $kj) (local.get $d))))))
            (local.set $d (i32.add (local.get $d) (i32.const 16)))
            (br $dl)))
          (local.set $s (f32.add (f32.mul (call $hsum (local.get $acc)) (local.get $scale))
            (f32.load (i32.add (local.get $mask) (i32.shl (i32.add (i32.mul (local.get $b) (local.get $cap)) (local.get $j)) (i32.const 2))))))
          (f32.store (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2))) (local.get $s))
          (local.set $max (f32.max (local.get $max) (local.get $s)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $sl)))
        ;; p_j = e^(s_j − max), sum
        (local.set $sum (f32.const 0))
        (local.set $n4 (i32.and (i32.add (local.get $pos) (i32.const 1)) (i32.const -4)))
        (local.set $j (i32.const 0))
        (block $edone (loop $el
          (br_if $edone (i32.ge_u (local.get $j) (local.get $n4)))
          (local.set $e (call $exp4 (f32x4.sub (v128.load (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2))))
                                                (f32x4.splat (local.get $max)))))
          (v128.store (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2))) (local.get $e))
          (local.set $sum (f32.add (local.get $sum) (call $hsum (local.get $e))))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $el)))
        (block $rdone (loop $rl
          (br_if $rdone (i32.gt_u (local.get $j) (local.get $pos)))
          (local.set $s (f32x4.extract_lane 0 (call $exp4 (f32x4.splat
            (f32.sub (f32.load (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2)))) (local.get $max))))))
          (f32.store (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2))) (local.get $s))
          (local.set $sum (f32.add (local.get $sum) (local.get $s)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $rl)))
        ;; out = Σ_j (p_j / sum) · v_j
        (local.set $op (i32.add (local.get $out)
          (i32.shl (i32.add (i32.mul (local.get $b) (local.get $D)) (i32.mul (local.get $h) (local.get $dh))) (i32.const 2))))
        (local.set $d (i32.const 0))
        (block $zdone (loop $zl
          (br_if $zdone (i32.ge_u (local.get $d) (local.get $dhb)))
          (v128.store (i32.add (local.get $op) (local.get $d)) (f32x4.splat (f32.const 0)))
          (local.set $d (i32.add (local.get $d) (i32.const 16)))
          (br $zl)))
        (local.set $sum (f32.div (f32.const 1) (local.get $sum)))
        (local.set $j (i32.const 0))
        (block $odone (loop $ol
          (br_if $odone (i32.gt_u (local.get $j) (local.get $pos)))
          (local.set $p (f32x4.splat (f32.mul (f32.load (i32.add (local.get $sc) (i32.shl (local.get $j) (i32.const 2)))) (local.get $sum))))
          (local.set $kj (i32.add (local.get $vb) (i32.mul (local.get $j) (local.get $dhb))))
          (local.set $d (i32.const 0))
          (block $vdone (loop $vl
            (br_if $vdone (i32.ge_u (local.get $d) (local.get $dhb)))
            (v128.store (i32.add (local.get $op) (local.get $d))
              (f32x4.add (v128.load (i32.add (local.get $op) (local.get $d)))
                         (f32x4.mul (local.get $p) (v128.load (i32.add (local.get $kj) (local.get $d))))))
            (local.set $d (i32.add (local.get $d) (i32.const 16)))
            (br $vl)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $ol)))
        (local.set $h (i32.add (local.get $h) (i32.const 1)))
        (br $hl)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bl))))
)
