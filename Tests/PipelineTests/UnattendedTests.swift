import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A nightly cron job nobody watches: killed at any moment, disk full, two runs
/// overlapping, odd files in log folders. Each test causes the fault for real
/// (a SIGKILL at an injected point or at a random time, ENOSPC, a held lock, a
/// FIFO, a permission denied to uid 65534) and checks what a reader of the
/// output folder sees.
@Suite(.serialized) struct UnattendedTests {
    static let names = ["summary.csv", "tickets.csv", "rejects.csv", "run.json"]
    let chat = fixture("fixtures/chat/")
    let desk = fixture("fixtures/helpdesk/")

    /// The three CSVs a reader sees (run.json differs in timings, so it is checked by its inputs).
    func csvs(_ folder: String) -> [String] { ["summary.csv", "tickets.csv", "rejects.csv"].map { read("\(folder)/\($0)") } }

    /// The input paths run.json lists, or nil when it is missing.
    func runInputs(_ folder: String) -> [String]? {
        guard let data = FileManager.default.contents(atPath: "\(folder)/run.json"),
            let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let inputs = json["inputs"] as? [[String: Any]]
        else { return nil }
        return inputs.compactMap { $0["path"] as? String }
    }

    /// Reports of a clean run over `inputs` in a fresh folder (the reference a set must equal).
    func reference(_ inputs: [String], pipeline: String = "pipelines/demo.yaml") throws -> (csvs: [String], inputs: [String]?) {
        let scratch = Scratch()
        let run = try runSlalog(["run", pipeline] + inputs + ["--out", scratch.path, "-q"])
        #expect(run.status <= 1, "\(run.stderr)")
        return (csvs(scratch.path), runInputs(scratch.path))
    }

    /// The folder holds one whole set: all four reports visible and equal to one of `sets`, or none visible.
    func expectWholeSet(_ folder: String, oneOf sets: [(csvs: [String], inputs: [String]?)], allowNone: Bool = false, _ note: String) {
        let visible = Self.names.filter { FileManager.default.fileExists(atPath: "\(folder)/\($0)") }
        if visible.isEmpty && allowNone { return }
        #expect(visible.count == 4, "\(note): only \(visible) visible")
        let seen = (csvs(folder), runInputs(folder))
        #expect(sets.contains { $0.csvs == seen.0 && $0.inputs == seen.1 }, "\(note): a mixed or unknown set")
    }

    /// slalog's control folder after a normal run: the lock, `current`, at most two generations, no leftovers.
    func expectTidy(_ folder: String) throws {
        let entries = try FileManager.default.contentsOfDirectory(atPath: folder + "/.slalog").sorted()
        #expect(entries.filter { $0.hasPrefix("gen-") }.count <= 2, "\(entries)")
        #expect(entries.allSatisfy { $0 == "lock" || $0 == "current" || $0.hasPrefix("gen-") }, "\(entries)")
    }

    @Test func aKillAtEveryStepOfTheSwitchLeavesOneWholeSet() throws {
        let a = try reference([chat]), b = try reference([desk])
        for step in ["staged", "before-switch", "switched", "linked"] {
            let scratch = Scratch()
            let out = scratch.path + "/out"
            #expect(try runSlalog(["run", "pipelines/demo.yaml", chat, "--out", out, "-q"]).status == 0)
            let killed = try runSlalog(
                ["run", "pipelines/demo.yaml", desk, "--out", out, "-q"], environment: ["SLALOG_TEST_FAULT": "kill@\(step)"])
            #expect(killed.signal == SIGKILL, "\(step): \(killed.status)")
            // Before the switch the old set is visible, from the switch on the new one; never a mix.
            let expected = ["staged", "before-switch"].contains(step) ? a : b
            expectWholeSet(out, oneOf: [expected], "killed at \(step)")
            // The next run finishes the job and removes what the killed one left.
            #expect(try runSlalog(["run", "pipelines/demo.yaml", chat, "--out", out, "-q"]).status == 0)
            expectWholeSet(out, oneOf: [a], "after the run that follows a kill at \(step)")
            try expectTidy(out)
        }
    }

    @Test func aKillDuringTheFirstRunOrTheUpgradeFromPlainFilesNeverShowsAMix() throws {
        let a = try reference([chat]), b = try reference([desk])
        for step in ["staged", "before-switch", "switched", "linked"] {
            // A new folder: nothing or the whole set.
            let fresh = Scratch()
            _ = try runSlalog(
                ["run", "pipelines/demo.yaml", desk, "--out", fresh.path, "-q"], environment: ["SLALOG_TEST_FAULT": "kill@\(step)"])
            expectWholeSet(fresh.path, oneOf: [b], allowNone: true, "first run killed at \(step)")
            // A folder holding plain reports of an earlier slalog: the old plain set or the new one.
            let upgraded = Scratch()
            let plain = try reference([chat])
            for (name, text) in zip(["summary.csv", "tickets.csv", "rejects.csv"], plain.csvs) {
                try text.write(toFile: "\(upgraded.path)/\(name)", atomically: true, encoding: .utf8)
            }
            let oldReport = Scratch()
            _ = try runSlalog(["run", "pipelines/demo.yaml", chat, "--out", oldReport.path, "-q"])
            try FileManager.default.copyItem(atPath: oldReport.path + "/.slalog/current/run.json", toPath: upgraded.path + "/run.json")
            _ = try runSlalog(
                ["run", "pipelines/demo.yaml", desk, "--out", upgraded.path, "-q"], environment: ["SLALOG_TEST_FAULT": "kill@\(step)"])
            expectWholeSet(upgraded.path, oneOf: [a, b], "upgrade killed at \(step)")
            #expect(try runSlalog(["run", "pipelines/demo.yaml", desk, "--out", upgraded.path, "-q"]).status == 1)
            expectWholeSet(upgraded.path, oneOf: [b], "after the upgrade")
        }
    }

    @Test func killsAtRandomMomentsNeverMixSets() throws {
        let scratch = Scratch()
        // ~12 MB so a kill can land while reading, measuring or writing.
        let line = try String(contentsOfFile: fixture("fixtures/helpdesk/desk-2026-03-02.log"), encoding: .isoLatin1)
        try String(repeating: line, count: 6000).write(toFile: scratch.path + "/big.log", atomically: false, encoding: .isoLatin1)
        let a = try reference([chat]), big = try reference([scratch.path + "/big.log"])
        let out = scratch.path + "/out"
        #expect(try runSlalog(["run", "pipelines/demo.yaml", chat, "--out", out, "-q"]).status == 0)
        var rng = SystemRandomNumberGenerator()
        for attempt in 0..<12 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: slalogBinary)
            process.arguments = ["run", fixture("pipelines/demo.yaml"), scratch.path + "/big.log", "--out", out, "-q"]
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...2.5, using: &rng))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            expectWholeSet(out, oneOf: [a, big], "random kill \(attempt)")
        }
        #expect(try runSlalog(["run", "pipelines/demo.yaml", chat, "--out", out, "-q"]).status == 0)
        try expectTidy(out)
    }

    @Test(arguments: ["tickets.csv", "summary.csv", "run.json"])
    func aFullDiskWhileWritingLeavesThePreviousSetByteIdentical(report: String) throws {
        let scratch = Scratch()
        let out = scratch.path + "/out"
        #expect(try runSlalog(["run", "pipelines/demo.yaml", chat, "--out", out, "-q"]).status == 0)
        let before = visibleReports(out)
        let full = try runSlalog(
            ["run", "pipelines/demo.yaml", desk, "--out", out, "-q"], environment: ["SLALOG_TEST_FAULT": "enospc@\(report)"])
        #expect(full.status == 2)
        #expect(full.stderr.contains("No space left on device"))
        #expect(full.stderr.contains("the previous reports are unchanged"))
        #expect(visibleReports(out) == before)
        try expectTidy(out)
    }

    /// A file system that refuses direct writes midway (the `einval@` fault refuses every direct write
    /// of tickets.csv after its first 1 MiB block): the rest of the file goes through the page cache,
    /// and the reports are byte-identical to a run without the fault.
    @Test func aFileSystemRefusingDirectWritesMidwayStillGetsWholeReports() throws {
        let scratch = Scratch()
        let generator = FileManager.default.currentDirectoryPath + "/scripts/generate-logs"
        scratch.shell("python3 \(generator) logs --mb 24 --files 1 --compress none --seed 7 > /dev/null")
        let logs = scratch.path + "/logs"
        // The generated logs hold a few malformed lines on purpose: both runs are partial (exit 1).
        #expect(try runSlalog(["run", "pipelines/demo.yaml", logs, "--out", scratch.path + "/plain", "-q"]).status == 1)
        let refused = try runSlalog(
            ["run", "pipelines/demo.yaml", logs, "--out", scratch.path + "/refused", "-q"],
            environment: ["SLALOG_TEST_FAULT": "einval@tickets.csv"])
        #expect(refused.status == 1, "\(refused.stderr)")
        let tickets = try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/plain/tickets.csv"))
        #expect(tickets.count > 2 << 20)  // more than two direct blocks
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/refused/tickets.csv")) == tickets)
        for name in ["summary.csv", "rejects.csv"] {
            #expect(
                try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/refused/" + name))
                    == Data(contentsOf: URL(fileURLWithPath: scratch.path + "/plain/" + name)))
        }
    }

    /// A small tmpfs mounted in a scratch folder (root only): a real full disk. Unmount it (in a
    /// `defer`) before the scratch folder goes.
    struct SmallDisk {
        let path: String

        init(in scratch: Scratch, size: String) throws {
            path = scratch.path + "/disk"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            #expect(Process.succeeds("mount -t tmpfs -o size=\(size) tmpfs \(path)"))
        }

        func unmount() { _ = Process.succeeds("umount \(path)") }
    }

    static let canMountTmpfs: Bool = {
        guard getuid() == 0 else { return false }
        let probe = Scratch()
        let mounted = Process.succeeds("mount -t tmpfs -o size=1m tmpfs \(probe.path)")
        if mounted { _ = Process.succeeds("umount \(probe.path)") }
        return mounted
    }()

    @Test(.enabled(if: canMountTmpfs, "needs root to mount a small tmpfs"))
    func aRealFullFilesystemLeavesThePreviousSetByteIdentical() throws {
        let scratch = Scratch()
        let tmpfs = try SmallDisk(in: scratch, size: "2m")
        defer { tmpfs.unmount() }
        let disk = tmpfs.path
        let out = disk + "/out"
        #expect(try runSlalog(["run", "pipelines/demo.yaml", chat, "--out", out, "-q"]).status == 0)
        let before = visibleReports(out)
        // Fill the filesystem, leaving less room than a new set needs.
        _ = Process.succeeds("dd if=/dev/zero of=\(disk)/filler bs=4k count=1000 2>/dev/null")
        _ = Process.succeeds("dd if=/dev/zero of=\(disk)/filler2 bs=1k count=1000 2>/dev/null")
        let full = try runSlalog(["run", "pipelines/demo.yaml", desk, chat, "--out", out, "-q"])
        #expect(full.status == 2, "\(full.stderr)")
        #expect(full.stderr.contains("No space left on device"))
        #expect(visibleReports(out) == before)
    }

    @Test func aSecondRunWaitsForTheLockThenGivesUpNamingTheHolder() throws {
        let scratch = Scratch()
        let out = scratch.path + "/out"
        #expect(try runSlalog(["run", "pipelines/demo.yaml", chat, "--out", out, "-q"]).status == 0)
        let before = visibleReports(out)
        // This test process holds the folder's lock, as a long run would.
        let fd = open(out + "/.slalog/lock", O_RDWR)
        #expect(flock(fd, LOCK_EX) == 0)
        _ = Array("4242\n".utf8).withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        let started = Date()
        let blocked = try runSlalog(["run", "pipelines/demo.yaml", desk, "--out", out, "-q", "--lock-timeout", "1"])
        let waited = Date().timeIntervalSince(started)
        #expect(blocked.status == 2)
        #expect(blocked.stderr.contains("another slalog run (pid 4242) is writing to \(out)"))
        #expect(waited >= 1 && waited < 10)
        #expect(visibleReports(out) == before)
        close(fd)
        #expect(try runSlalog(["run", "pipelines/demo.yaml", desk, "--out", out, "-q", "--lock-timeout", "1"]).status == 1)
    }

    @Test func overlappingRunsIntoOneFolderEachLeaveAWholeSet() throws {
        let a = try reference([chat]), b = try reference([desk])
        let scratch = Scratch()
        let out = scratch.path + "/out"
        for round in 0..<10 {
            let first = Process(), second = Process()
            for (process, input) in [(first, chat), (second, desk)] {
                process.executableURL = URL(fileURLWithPath: slalogBinary)
                process.arguments = ["run", fixture("pipelines/demo.yaml"), input, "--out", out, "-q"]
                try process.run()
            }
            first.waitUntilExit()
            second.waitUntilExit()
            #expect(first.terminationStatus == 0 && second.terminationStatus == 1, "round \(round)")
            expectWholeSet(out, oneOf: [a, b], "round \(round)")
        }
        try expectTidy(out)
    }

    /// A FIFO nobody writes to: reading it would block forever, so a run that fails on it quickly never read it.
    func neverEndingInput(in scratch: Scratch) -> String {
        let path = scratch.path + "/never.fifo"
        mkfifo(path, 0o644)
        return path
    }

    @Test func anOutputFolderThatCannotWorkIsRefusedBeforeAnyInputIsRead() throws {
        let scratch = Scratch()
        let never = neverEndingInput(in: scratch)
        // run.json is a folder: nothing is replaced.
        let out = scratch.path + "/out"
        try FileManager.default.createDirectory(atPath: out + "/run.json", withIntermediateDirectories: true)
        try "previous\n".write(toFile: out + "/summary.csv", atomically: true, encoding: .utf8)
        let folder = try runSlalog(["run", "pipelines/demo.yaml", never, "--out", out])
        #expect(folder.status == 2)
        #expect(folder.stderr.contains("\(out)/run.json is in the way"))
        #expect(read(out + "/summary.csv") == "previous\n")
        // --out naming a file, or a folder below a file.
        #expect(FileManager.default.createFile(atPath: scratch.path + "/file", contents: Data()))
        let file = try runSlalog(["run", "pipelines/demo.yaml", never, "--out", scratch.path + "/file"])
        #expect(file.status == 2)
        #expect(file.stderr.contains("cannot use the output folder \(scratch.path)/file: it exists and is not a folder"))
        let below = try runSlalog(["run", "pipelines/demo.yaml", never, "--out", scratch.path + "/file/sub"])
        #expect(below.status == 2)
        #expect(below.stderr.contains("\(scratch.path)/file exists and is not a folder"))
        #expect(!below.stderr.contains("NSCocoaErrorDomain"))
        // An empty --out is a usage error, not the root folder.
        let empty = try runSlalog(["run", "pipelines/demo.yaml", chat, "--out", ""])
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("--out needs a folder name"))
        #expect(!FileManager.default.fileExists(atPath: "/summary.csv"))
    }

    @Test func aRunThatReadNoInputWritesNothingAndExitsTwo() throws {
        let scratch = Scratch()
        let out = scratch.path + "/out"
        #expect(try runSlalog(["run", "pipelines/demo.yaml", chat, "--out", out, "-q"]).status == 0)
        let before = visibleReports(out)
        let nothing = try runSlalog(["run", "pipelines/demo.yaml", scratch.path + "/*.nothing", "--out", out])
        #expect(nothing.status == 2)
        #expect(nothing.stderr.contains("no input could be read; nothing written, the previous reports are unchanged"))
        let empty = try runSlalog(["run", "pipelines/demo.yaml", "-", "--out", out], stdin: Data())
        #expect(empty.status == 2)
        #expect(empty.stderr.contains("the inputs hold no data"))
        #expect(visibleReports(out) == before)
    }

    @Test func everyFolderEntryNotReadIsAProblemEvenForAPlainUser() throws {
        let scratch = Scratch()
        let logs = scratch.path + "/logs"
        let shared = scratch.path + "/shared"
        try FileManager.default.createDirectory(atPath: logs + "/locked", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: shared, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture("fixtures/chat/chat-2026-03-02.log"), toPath: logs + "/chat.log")
        try FileManager.default.copyItem(atPath: fixture("fixtures/helpdesk/desk-2026-03-02.log"), toPath: logs + "/locked/desk.log")
        try FileManager.default.copyItem(atPath: fixture("fixtures/mail/mailgw-2026-03-02.log"), toPath: shared + "/mail.log")
        mkfifo(logs + "/pipe", 0o644)
        symlink(logs + "/gone.log", logs + "/dangling.log")
        symlink(shared, logs + "/linked")  // a symlinked folder: followed
        symlink(logs, logs + "/loop")  // a loop: read once
        #expect(FileManager.default.createFile(atPath: logs + "/caf\u{E9}.log", contents: Data()))
        #expect(FileManager.default.createFile(atPath: logs + "/secret.log", contents: Data("x\n".utf8)))
        let badName = Array((logs + "/bad-").utf8) + [0xE9, 0x2E, 0x6C, 0x6F, 0x67, 0]
        badName.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { _ = creat($0, 0o644) }
        }
        // The binary, pipeline and folders must be reachable by uid 65534.
        try FileManager.default.copyItem(atPath: slalogBinary, toPath: scratch.path + "/slalog")
        try FileManager.default.copyItem(atPath: fixture("pipelines/demo.yaml"), toPath: scratch.path + "/demo.yaml")
        #expect(
            Process.succeeds("chmod -R a+rX \(scratch.path) && chmod 000 \(logs)/locked \(logs)/secret.log && chown 65534 \(scratch.path)"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = [
            "--reuid=65534", "--regid=65534", "--clear-groups", scratch.path + "/slalog", "run", scratch.path + "/demo.yaml", logs,
            "--out", scratch.path + "/out", "-q",
        ]
        let err = Pipe()
        process.standardError = err
        try process.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "\(stderr)")
        #expect(stderr.contains("\(logs)/locked: cannot list the folder: Permission denied: its files are not read"))
        #expect(stderr.contains("\(logs)/pipe: a FIFO (named pipe), not a regular file: not read"))
        #expect(stderr.contains("\(logs)/dangling.log: broken symbolic link: not read"))
        #expect(stderr.contains("the file name is not valid UTF-8: not read"))
        #expect(stderr.contains("folder already read under another path"))
        let inputs = runInputs(scratch.path + "/out") ?? []
        // chat.log, café.log and the symlinked folder's mail.log are read; nothing twice.
        #expect(inputs == ["\(logs)/caf\u{E9}.log", "\(logs)/chat.log", "\(logs)/linked/mail.log", "\(logs)/secret.log"])
        let report = read(scratch.path + "/out/run.json")
        #expect(report.contains("\"status\" : \"partial\""))
        // A file that cannot be opened is unreadable, not corrupt.
        let json = try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any]
        let problems = json?["problems"] as? [[String: Any]] ?? []
        let secret = problems.first { ($0["file"] as? String) == logs + "/secret.log" }
        #expect(secret?["category"] as? String == "unreadable_input")
        #expect((secret?["reason"] as? String)?.contains("Permission denied") == true)
    }

    @Test func aLineDatedInTheFarFutureDoesNotMoveTheDefaultAsOf() throws {
        let scratch = Scratch()
        let future = scratch.write(
            "future.log", Array("9999-12-31T23:00:00Z desk[1]: event=created ticket=F-1 customer=acme via=customer\n".utf8))
        let started = Date()
        let run = try runSlalog(["run", "pipelines/business-hours.yaml", chat, future, "--out", scratch.path + "/out"])
        #expect(Date().timeIntervalSince(started) < 20)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("as of 2026-03-02T13:06:00.000Z"))
        #expect(run.stderr.contains("\(future):1: 1 event(s) dated after the run's clock"))
        #expect(read(scratch.path + "/out/run.json").contains("\"future_event\""))
    }

    @Test func whenEveryLineIsRejectedAsOfIsEmptyNot1970() throws {
        let scratch = Scratch()
        let bad = scratch.write(
            "bad.log", Array("2026-13-45T99:00:00Z desk[1]: event=created ticket=B-1 customer=acme via=customer\n".utf8))
        let run = try runSlalog(["run", "pipelines/demo.yaml", bad, "--out", scratch.path + "/out"])
        #expect(run.status == 1)
        #expect(run.stderr.contains("as of - (no event was read)"))
        #expect(!run.stderr.contains("1970"))
        #expect(read(scratch.path + "/out/run.json").contains("\"as_of\" : null"))
    }

    @Test func leftoversOfKilledRunsAreRemovedAndNothingElse() throws {
        let scratch = Scratch()
        let out = scratch.path + "/out"
        #expect(try runSlalog(["run", "pipelines/demo.yaml", chat, "--out", out, "-q"]).status == 0)
        for name in [".tickets.csv.tmp-12345", ".summary.csv.link-999", ".tickets.csv.tmp-notapid", "notes.txt", ".my-own-file"] {
            #expect(FileManager.default.createFile(atPath: "\(out)/\(name)", contents: Data("x".utf8)))
        }
        try FileManager.default.createDirectory(atPath: out + "/.slalog/tmp-20260101T000000.000Z-1/x", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: out + "/.slalog/gen-20200101T000000.000Z-1", withIntermediateDirectories: true)
        #expect(try runSlalog(["run", "pipelines/demo.yaml", chat, "--out", out, "-q"]).status == 0)
        let entries = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(
            entries == [
                ".my-own-file", ".slalog", ".tickets.csv.tmp-notapid", "notes.txt", "rejects.csv", "report.html", "run.json", "summary.csv",
                "tickets.csv",
            ])
        try expectTidy(out)
        #expect(!FileManager.default.fileExists(atPath: out + "/.slalog/gen-20200101T000000.000Z-1"))
    }

    @Test(arguments: [(SIGHUP, Int32(129)), (SIGTERM, Int32(143)), (SIGINT, Int32(130))])
    func hangupTermAndInterruptDiscardTheRunAndKeepThePreviousSet(signal: Int32, status: Int32) throws {
        let scratch = Scratch()
        let line = try String(contentsOfFile: fixture("fixtures/helpdesk/desk-2026-03-02.log"), encoding: .isoLatin1)
        try String(repeating: line, count: 20_000).write(toFile: scratch.path + "/big.log", atomically: false, encoding: .isoLatin1)
        let out = scratch.path + "/out"
        #expect(try runSlalog(["run", "pipelines/demo.yaml", chat, "--out", out, "-q"]).status == 0)
        let before = visibleReports(out)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: slalogBinary)
        process.arguments = ["run", fixture("pipelines/demo.yaml"), scratch.path + "/big.log", "--out", out, "-q"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 0.4)
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        #expect(process.terminationStatus == status)
        #expect(visibleReports(out) == before)
        try expectTidy(out)
    }

    @Test func aClosedStderrNeverChangesTheExitCodeOfACompleteRun() throws {
        let scratch = Scratch()
        let run = try runSlalog(["run", "pipelines/demo.yaml", chat, "--out", scratch.path], closedStderr: true)
        #expect(run.status == 0 && run.signal == nil)
        #expect(runInputs(scratch.path) == [chat + "chat-2026-03-02.log"])
    }

    @Test(arguments: ["cat", "gzip -c", "lz4 -q -c", "zstd -q -c"])
    func standardInputIsReadInEachFormatAndNamedStdin(tool: String) throws {
        let scratch = Scratch()
        scratch.shell("\(tool) < \(fixture("fixtures/chat/chat-2026-03-02.log")) > input")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/input"))
        let run = try runSlalog(["run", "pipelines/demo.yaml", "-", "--out", scratch.path + "/out", "-q"], stdin: bytes)
        #expect(run.status == 0, "\(run.stderr)")
        let expected = try reference([fixture("fixtures/chat/chat-2026-03-02.log")]).csvs[1]
        #expect(
            read(scratch.path + "/out/tickets.csv")
                == expected.replacingOccurrences(of: fixture("fixtures/chat/chat-2026-03-02.log"), with: "stdin"))
        #expect(runInputs(scratch.path + "/out") == ["stdin"])
    }
}
