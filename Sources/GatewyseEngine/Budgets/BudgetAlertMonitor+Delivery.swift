import GatewyseCore
import GatewyseProviders
import GatewyseStorage

/// The outbox: a recorded alert with a webhook is `pending` until an attempt gets a 2xx answer
/// (`delivered`) or the last attempt fails (`failed`). Every attempt is claimed in the store
/// first — attempts + 1 and the next attempt pushed past the attempt's own duration, written
/// only if the record's version is still the one read — so of several replicas holding the
/// same pending alert (after a sweep) exactly one sends each attempt, and a process killed
/// mid-attempt leaves a record that any replica retries once that claim lapses.
///
/// Delivery is at least once: a process killed after the receiver answered but before the
/// result was written sends again. Receivers deduplicate on the body's `id`
/// (also `X-Gatewyse-Alert-Id`).
extension BudgetAlertMonitor {
    /// Default timeouts of one attempt: a receiver that needs longer is treated as failed and retried.
    public static let defaultAttemptTimeouts: UpstreamSettings = {
        var settings = UpstreamSettings()
        settings.connectTimeout = 5
        settings.firstByteTimeout = 10
        settings.totalTimeout = 10
        return settings
    }()

    /// Milliseconds a claim holds an alert beyond its backoff: longer than one attempt can take
    /// (connect and total timeouts, as if the connect were not counted in the total, plus 5 s).
    var claimMargin: Int64 {
        Int64((attemptTimeouts.connectTimeout + attemptTimeouts.totalTimeout) * 1000) + 5000
    }

    /// Reads every pending delivery from the store into the outbox (first tick, then every `sweepInterval`).
    func sweepIfDue() async {
        let now = clock()
        if let lastSweep, now - lastSweep < sweepInterval { return }
        do {
            for stored in try await store.listAll(.budgetAlert) {
                let alert = try BudgetAlertRecord(stored: stored)
                guard alert.delivery == .pending else { continue }
                outbox[Address(tenantID: alert.tenantID, id: alert.id)] = alert.nextAttemptAt ?? now
            }
            lastSweep = now
        } catch {
            logger.warning("could not read pending budget-alert deliveries; trying again", metadata: ["error": "\(error)"])
        }
    }

    /// Attempts every delivery due now, one after another (alerts are rare; a slow receiver
    /// delays the next round by at most one attempt's timeout).
    func deliverDue() async {
        let now = clock()
        for (address, due) in outbox.sorted(by: { $0.value < $1.value }) where due <= now {
            do {
                try await attempt(address)
            } catch {
                // The store failed: the record is unchanged or its claim lapses; try again shortly.
                outbox[address] = clock() + 1000
                logger.warning("could not update a budget-alert delivery", metadata: ["alert": "\(address.id)", "error": "\(error)"])
            }
        }
    }

    /// Claims, sends and records one attempt of one alert.
    func attempt(_ address: Address) async throws {
        guard let stored = try await store.fetch(.budgetAlert, tenantID: address.tenantID, id: address.id) else {
            outbox[address] = nil
            return
        }
        var alert = try BudgetAlertRecord(stored: stored)
        guard alert.delivery == .pending, let url = alert.webhookURL else {
            outbox[address] = nil
            return
        }
        let now = clock()
        if let next = alert.nextAttemptAt, next > now {
            // Another replica's claim or backoff: look again when it lapses.
            outbox[address] = next
            return
        }
        alert.attempts += 1
        alert.lastAttemptAt = now
        alert.nextAttemptAt = now + backoff.delay(afterAttempt: alert.attempts) + claimMargin
        do {
            try await store.commit([.update(alert, at: now / 1000, expectedVersion: stored.version)], audit: [])
        } catch StoreError.conflict {
            outbox[address] = now + claimMargin
            return
        }
        let failure = await send(alert, to: url)
        let finished = clock()
        if let failure {
            alert.lastError = failure
            if alert.attempts >= backoff.attempts {
                alert.delivery = .failed
                alert.nextAttemptAt = nil
            } else {
                alert.nextAttemptAt = finished + backoff.delay(afterAttempt: alert.attempts)
            }
        } else {
            alert.delivery = .delivered
            alert.deliveredAt = finished
            alert.nextAttemptAt = nil
        }
        do {
            try await store.commit([.update(alert, at: finished / 1000, expectedVersion: stored.version + 1)], audit: [])
        } catch StoreError.conflict {
            // Our claim lapsed and another replica took the alert over: its record stands.
            outbox[address] = finished + claimMargin
            return
        }
        outbox[address] = alert.delivery == .pending ? alert.nextAttemptAt : nil
        if alert.delivery == .failed {
            logger.warning("budget alert webhook failed for good", metadata: ["alert": "\(alert.id)", "attempts": "\(alert.attempts)",
                                                                               "lastError": "\(failure ?? "")"])
        }
    }

    /// One signed POST; nil when the receiver answered 2xx, else why not (never the secret).
    func send(_ alert: BudgetAlertRecord, to url: String) async -> String? {
        // The address policy may have tightened since the URL was written: judge it again.
        if UpstreamURLPolicy.problem(with: url, allowPrivate: allowPrivate) != nil {
            return "refused by the webhook address policy"
        }
        let body = Array(alert.payload.utf8)
        var request = UpstreamRequest(method: "POST", url: url, headers: [
            ("Content-Type", "application/json"), ("User-Agent", "gatewyse-webhooks/1"),
            ("X-Gatewyse-Event", "budget.alert"), ("X-Gatewyse-Alert-Id", alert.id),
            (WebhookSigner.header, signer.signature(tenantID: alert.tenantID, body: body, time: clock() / 1000)),
        ], body: body, expectsStream: false)
        request.allowPrivateNetwork = allowPrivate
        do {
            let response = try await transport.send(request, timeouts: attemptTimeouts)
            // Read (and drop) the answer so the connection can be reused.
            _ = try? await response.collectBody(upTo: 64 * 1024)
            return (200..<300).contains(response.status) ? nil : "HTTP \(response.status)"
        } catch let error as UpstreamTransportError {
            return "no answer: \(error)"
        } catch {
            return "no answer"
        }
    }
}
