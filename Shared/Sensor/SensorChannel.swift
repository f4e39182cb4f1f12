import Wire

/// What a `SensorJob` sends through: `SensorLink` over ZeroMQ, or a test's
/// stand-in without sockets.
public protocol SensorChannel: AnyObject {
    /// Decoder lanes.
    var laneCount: Int { get }

    /// One control request to storage, with its answer.
    func request(_ body: ControlMessage.Body, timeout: Duration) throws(SensorError) -> ControlMessage.Body

    /// Captures live until stopped or the frame limit; `LiveIngest`.
    func capture(_ options: LiveIngest.Options, shouldStop: @escaping @Sendable () -> Bool,
                 onStatistics: @escaping @Sendable (ControlMessage.CaptureStatistics) -> Void)
        throws(SensorError) -> LiveIngest.Summary

    /// Sends capture files and waits for storage to acknowledge them; `FileIngest`.
    func send(_ paths: [String], options: FileIngest.Options, shouldStop: @escaping @Sendable () -> Bool,
              progress: @escaping (FileIngest.Progress) -> Void) throws(SensorError) -> [FileIngest.CaptureResult]

    func close()
}

extension SensorLink: SensorChannel {
    public var laneCount: Int { lanes.count }

    public func capture(_ options: LiveIngest.Options, shouldStop: @escaping @Sendable () -> Bool,
                        onStatistics: @escaping @Sendable (ControlMessage.CaptureStatistics) -> Void)
        throws(SensorError) -> LiveIngest.Summary {
        try LiveIngest(options: options, link: self, shouldStop: shouldStop, onStatistics: onStatistics).run()
    }

    public func send(_ paths: [String], options: FileIngest.Options, shouldStop: @escaping @Sendable () -> Bool,
                     progress: @escaping (FileIngest.Progress) -> Void) throws(SensorError) -> [FileIngest.CaptureResult] {
        try FileIngest(options: options, link: self, shouldStop: shouldStop).run(paths: paths, progress: progress)
    }
}
