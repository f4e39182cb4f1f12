#include <stddef.h>
#include <stdint.h>

/// Runs libFuzzer's driver on `test` with the command line; the fuzz
/// targets' entry points call it (SwiftPM names an executable's entry
/// point itself, so libFuzzer's own main cannot be used).
int netsift_fuzz_main(int argc, char **argv, int (*test)(const uint8_t *data, size_t size));
