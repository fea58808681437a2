/*
 * interp/main.c -- the adfrun command line (placeholder until wired)
 */
#include <stdio.h>

int main(void)
{
  puts("adfrun " ADF_VERSION);
  return 0;
}
