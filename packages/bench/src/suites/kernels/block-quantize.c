/*
 * The native peer of the kernels suite: the two block formats llama.cpp's quantizer writes for
 * 4- and 8-bit weights, by their published reference definitions, in plain scalar C (the
 * compiler may vectorise it as it can). Blocks of 32 consecutive float32 weights:
 *
 *   q4_0: the weight of largest magnitude m (the first one on a tie), d = m / -8, a float16 d,
 *         then 16 bytes: byte j holds min(15, trunc(x[j] / d + 8.5)) in its low nibble and the
 *         same for x[j + 16] in its high nibble (18 bytes a block).
 *   q8_0: the largest magnitude a, d = a / 127, a float16 d, then 32 int8 round(x[j] / d)
 *         (34 bytes a block).
 *
 * where x / d is x times the float32 1 / d (0 when d is 0), as the reference computes it. Built as
 * llama.cpp builds it, a compiler may fuse q4_0's multiply and add into one rounding.
 *
 * Usage: block-quantize <q4_0|q8_0> <weights: float32 file in this machine's byte order> <untimed runs> <timed runs> [blocks out]
 * Quantizes the whole file into one output buffer allocated once, as often as asked, and prints
 * {"seconds":[...]}: the monotonic-clock time of each timed run. With a fifth argument, writes the
 * blocks there (for the bench's test against a plain JS reading of the same definitions).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#if defined(__F16C__)
#include <immintrin.h>
#endif

#define BLOCK 32

/* float32 to float16 bits, rounding to nearest, ties to even: the CPU's conversion where it has
   one (as llama.cpp uses it), else the same rounding in integer steps. */
static uint16_t half_bits(float value) {
#if defined(__F16C__)
  return _cvtss_sh(value, 0);
#endif
  uint32_t bits;
  memcpy(&bits, &value, 4);
  const uint32_t sign = (bits >> 16) & 0x8000u;
  const uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude > 0x7f800000u) return (uint16_t)(sign | 0x7e00u);
  if (magnitude >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u); /* 65520 and above round to infinity */
  if (magnitude < 0x38800000u) {
    /* below 2^-14: a multiple of 2^-24, found exactly by a power-of-two scaling and one rounding */
    float scaled;
    memcpy(&scaled, &magnitude, 4);
    return (uint16_t)(sign | (uint32_t)nearbyintf(scaled * 16777216.0f));
  }
  uint32_t half = ((magnitude >> 23) - 112u) << 10 | ((magnitude >> 13) & 0x3ffu);
  const uint32_t rest = magnitude & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) half++;
  return (uint16_t)(sign | half);
}

static void quantize_q4_0(const float *weights, uint8_t *out, size_t blocks) {
  for (size_t block = 0; block < blocks; block++) {
    const float *x = weights + block * BLOCK;
    uint8_t *y = out + block * 18;
    float largest = 0.0f, extreme = 0.0f;
    for (int j = 0; j < BLOCK; j++) {
      const float magnitude = fabsf(x[j]);
      if (largest < magnitude) {
        largest = magnitude;
        extreme = x[j];
      }
    }
    const float d = extreme / -8.0f;
    const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
    const uint16_t h = half_bits(d);
    memcpy(y, &h, 2);
    for (int j = 0; j < BLOCK / 2; j++) {
      int low = (int8_t)(x[j] * inverse + 8.5f);
      int high = (int8_t)(x[j + BLOCK / 2] * inverse + 8.5f);
      if (low > 15) low = 15;
      if (high > 15) high = 15;
      y[2 + j] = (uint8_t)(low | (high << 4));
    }
  }
}

static void quantize_q8_0(const float *weights, uint8_t *out, size_t blocks) {
  for (size_t block = 0; block < blocks; block++) {
    const float *x = weights + block * BLOCK;
    uint8_t *y = out + block * 34;
    float largest = 0.0f;
    for (int j = 0; j < BLOCK; j++) {
      const float magnitude = fabsf(x[j]);
      if (largest < magnitude) largest = magnitude;
    }
    const float d = largest / 127.0f;
    const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
    const uint16_t h = half_bits(d);
    memcpy(y, &h, 2);
    for (int j = 0; j < BLOCK; j++) y[2 + j] = (uint8_t)(int8_t)roundf(x[j] * inverse);
  }
}

static double now(void) {
  struct timespec time;
  clock_gettime(CLOCK_MONOTONIC, &time);
  return (double)time.tv_sec + (double)time.tv_nsec * 1e-9;
}

static int fail(const char *message) {
  fprintf(stderr, "block-quantize: %s\n", message);
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 5) return fail("usage: block-quantize <q4_0|q8_0> <weights.f32> <untimed runs> <timed runs> [blocks out]");
  const int q4 = strcmp(argv[1], "q4_0") == 0;
  if (!q4 && strcmp(argv[1], "q8_0") != 0) return fail("the format is q4_0 or q8_0");
  const long warmup = strtol(argv[3], NULL, 10), runs = strtol(argv[4], NULL, 10);
  if (warmup < 0 || runs < 1 || runs > 1000 || warmup > 1000) return fail("runs out of range");
  FILE *file = fopen(argv[2], "rb");
  if (file == NULL) return fail("cannot open the weights file");
  if (fseek(file, 0, SEEK_END) != 0) return fail("cannot seek the weights file");
  const long bytes = ftell(file);
  if (bytes <= 0 || bytes % (4 * BLOCK) != 0) return fail("the weights file is not a whole number of 32-weight blocks");
  rewind(file);
  const size_t blocks = (size_t)bytes / (4 * BLOCK);
  float *weights = malloc((size_t)bytes);
  uint8_t *out = malloc(blocks * (q4 ? 18 : 34));
  if (weights == NULL || out == NULL) return fail("out of memory");
  if (fread(weights, 1, (size_t)bytes, file) != (size_t)bytes) return fail("short read of the weights file");
  fclose(file);
  printf("{\"seconds\":[");
  for (long run = 0; run < warmup + runs; run++) {
    const double start = now();
    if (q4) quantize_q4_0(weights, out, blocks);
    else quantize_q8_0(weights, out, blocks);
    const double seconds = now() - start;
    if (run >= warmup) printf("%s%.9f", run > warmup ? "," : "", seconds);
  }
  printf("]}\n");
  if (argc > 5) {
    FILE *blocksFile = fopen(argv[5], "wb");
    if (blocksFile == NULL || fwrite(out, 1, blocks * (q4 ? 18 : 34), blocksFile) != blocks * (q4 ? 18 : 34)) return fail("cannot write the blocks");
    fclose(blocksFile);
  }
  return 0;
}
