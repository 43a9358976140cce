import NIOCore

/// Runs a task's jobs on one event loop: the data plane starts each request's task with its
/// client connection's loop as the preferred executor, so reading the request, calling the
/// upstream (on a connection owned by the same loop) and writing the answer happen on one
/// thread without hops (docs/decisions/0005). One per connection.
final class EventLoopTaskExecutor: TaskExecutor {
    let loop: any EventLoop

    init(loop: any EventLoop) {
        self.loop = loop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        loop.execute { job.runSynchronously(on: executor) }
    }
}
