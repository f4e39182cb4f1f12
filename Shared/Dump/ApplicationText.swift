import Protocols

/// One line per application transaction: its dataset and its summary.
enum ApplicationText {
    static func line(_ t: ApplicationTransaction) -> String {
        "  \(t.dataset): " + t.transaction.summary
    }
}
