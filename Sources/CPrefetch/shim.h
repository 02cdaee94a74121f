#ifndef CPREFETCH_SHIM_H
#define CPREFETCH_SHIM_H
// A hint to start loading the cache line at `address` (no fault, no effect on results):
// Swift has no prefetch of its own.
static inline void slalog_prefetch(const void *address) { __builtin_prefetch(address); }
#endif
