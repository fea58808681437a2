/*
 * tests/fuzz/replay.h -- a main() that replays inputs through a fuzz target
 *
 * Included at the end of each tests/fuzz/fuzz_*.c.  Built without
 * libFuzzer (ADF_FUZZ_REPLAY defined), the target becomes a program that
 * runs every file named on its command line once, so CTest can replay
 * seeds and crash regressions in the normal sanitizer build.
 */
#ifdef ADF_FUZZ_REPLAY
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
  int n = 0;
  for (int i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    char *buf;
    long len;
    if (!f) {
      fprintf(stderr, "%s: cannot open\n", argv[i]);
      return 2;
    }
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)len + 1);
    if (!buf || len < 0 || fread(buf, 1, (size_t)len, f) != (size_t)len) {
      fclose(f);
      free(buf);
      return 2;
    }
    fclose(f);
    LLVMFuzzerTestOneInput((const uint8_t *)buf, (size_t)len);
    free(buf);
    n++;
  }
  printf("%d passed, 0 failed\n", n);
  return 0;
}
#endif /* ADF_FUZZ_REPLAY */
