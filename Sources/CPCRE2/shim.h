#ifndef CPCRE2_SHIM_H
#define CPCRE2_SHIM_H
// 8-bit code units: slalog matches raw log bytes (UTF-8 or not).
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#endif
