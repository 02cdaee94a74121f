import CMalloc

/// glibc allocator settings for the command, made before any thread starts.
///
/// - One arena for all threads: by default each thread that allocates gets its own, and memory a
///   parsing thread allocated and the merging thread freed stays in the parser's arena, unused by
///   the others (1 GB bench: peak RSS 204–212 MB with the default arenas, 191–195 MB with one arena
///   and the fixed threshold below, at the same speed; `scripts/bench`).
/// - Blocks of 4 MiB and more (chunk buffers, the large arrays of a run) are mapped and returned
///   to the system when freed, instead of the default threshold that grows to 32 MiB and keeps
///   such blocks in the heap after the first one is freed.
enum Allocator {
    static func configure() {
        #if canImport(Glibc)
            _ = mallopt(M_ARENA_MAX, 1)
            _ = mallopt(M_MMAP_THRESHOLD, 4 << 20)
        #endif
    }
}
