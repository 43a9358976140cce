import GatewyseCore

/// Refuses new requests at admission while the usage queue is over its bound (decisions/0011):
/// the store is behind, and dropping records would make budgets and bills wrong. One atomic
/// load per request.
public struct UsageBackpressure: InferenceStage {
    let recorder: UsageRecorder

    public init(recorder: UsageRecorder) {
        self.recorder = recorder
    }

    public func admit(_ context: InferenceContext) throws(GatewayError) {
        if recorder.isFull { throw .usageBacklog(retryAfterSeconds: 1) }
    }
}
