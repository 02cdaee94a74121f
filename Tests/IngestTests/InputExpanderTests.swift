import Testing

@testable import Ingest

@Suite struct InputExpanderTests {
    @Test func foldersGlobsAndMissingInputs() {
        let folder = TemporaryFolder()
        folder.shell("mkdir -p sub/deeper .hidden && touch b.log a.log sub/c.log sub/deeper/d.log .hidden/x.log")
        let (files, problems) = InputExpander.expand([
            "\(folder.path)/sub", "\(folder.path)/*.log", "\(folder.path)/a.log", "\(folder.path)/missing.log", "\(folder.path)/*.nothing",
        ])
        #expect(files == ["sub/c.log", "sub/deeper/d.log", "a.log", "b.log"].map { "\(folder.path)/\($0)" })
        #expect(problems.count == 2)
        #expect(problems.allSatisfy { $0.category == .unreadableInput })
    }
}
