import GatewyseCore
import NIOCore
import NIOHTTP1

// MARK: - Embeddings (the pure part is `MockEmbeddings`)

extension MockHTTPHandler {
    /// OpenAI's `/v1/embeddings`, or Azure's (`/openai/…`: `api-key`, and in the deployment form
    /// the model from the path and a required `api-version`). Error models (`error-429`, `reset`,
    /// `slow`…) behave as for chat.
    func embeddings(context: ChannelHandlerContext, uri: String, path: String, headers: [String: String], body: JSONValue?) {
        let azure = path.hasPrefix("/openai/")
        let parts = path.split(separator: "/")
        let deployment = azure && parts.count == 4 && parts[1] == "deployments" ? String(parts[2]) : nil
        if azure {
            guard !(headers["api-key"] ?? "").isEmpty || (headers["authorization"] ?? "").hasPrefix("Bearer ") else {
                return sendAzureError(context: context, status: 401, message: "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.")
            }
            if deployment != nil, !uri.contains("api-version=") { return sendAzureError(context: context, status: 404, message: "Resource not found") }
        } else if !(headers["authorization"] ?? "").hasPrefix("Bearer ") {
            return sendError(context: context, status: 401, type: "invalid_request_error", code: nil,
                             message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
        }
        let scenario = MockScenario.forModel(deployment ?? body?["model"]?.stringValue ?? "")
        if playFailure(scenario, context: context, answer: { self.sendEmbeddings(context: $0, body: body, deployment: deployment) }) { return }
        sendEmbeddings(context: context, body: body, deployment: deployment)
    }

    private func sendEmbeddings(context: ChannelHandlerContext, body: JSONValue?, deployment: String?) {
        do throws(MockEmbeddings.Rejection) {
            sendJSON(context: context, status: .ok, try MockEmbeddings.answer(body: body, deployment: deployment))
        } catch {
            sendError(context: context, status: error.status, type: "invalid_request_error", code: error.code, message: error.message, param: error.param)
        }
    }

    /// Azure's own error shape for gateway-level refusals (`{"error":{"code":"404","message"}}`).
    private func sendAzureError(context: ChannelHandlerContext, status: Int, message: String) {
        sendJSON(context: context, status: HTTPResponseStatus(statusCode: status), ["error": ["code": .string(String(status)), "message": .string(message)]])
    }
}
