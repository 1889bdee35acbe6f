// A small OpenAI-shaped HTTP server on loopback for the runner's tests and
// bench/runner_overhead: canned, deterministic answers, with faults injected
// on request (errors, dropped connections, slow replies, truncated streams,
// malformed JSON, missing prompt log-probs). Not used by dokja itself.
//
// Canned answers: a generate request for prompt P answers "echo:" + P; an
// echo request scores each character of the prompt as a token with
// log-prob -0.25 * (1 + i % 4), the first token unscored.
//
// Thread-safe: Push, Seen and counters may be called while it serves.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace dokja::bench::testing {

enum class Fault {
  kNone,
  kHttp500,
  kHttp429,
  kHttp400,           // a final error with a message
  kDrop,              // promise a body, send half, close the connection
  kSlow,              // answer after slow_ms
  kMalformedJson,     // 200 with a body that is not JSON
  kNoPromptLogprobs,  // echo reply with "logprobs": null (llama.cpp's server)
  kTruncatedStream,   // SSE that ends without finish_reason and [DONE]
  kTrickle,           // 200, then one byte of body every 50 ms for 3 s (each read is quick; the whole is not)
};

class LoopbackServer {
 public:
  LoopbackServer() {
    server_.Post("/v1/completions", [this](const httplib::Request& req, httplib::Response& res) {
      Handle(req, res, false);
    });
    server_.Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
      Handle(req, res, true);
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~LoopbackServer() {
    server_.stop();
    thread_.join();
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  int port() const { return port_; }

  // Faults for the next requests, one each, in order; afterwards kNone.
  void Push(Fault fault) {
    std::lock_guard<std::mutex> lock(mu_);
    script_.push_back(fault);
  }
  // Every request gets this fault (kNone: back to normal).
  void SetAlways(Fault fault) { always_ = fault; }
  // Added latency for every normal answer.
  void SetDelayMs(int ms) { delay_ms_ = ms; }
  int slow_ms = 1500;

  // How many times a prompt (or the last user message) was asked for.
  std::map<std::string, int> Seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  int64_t requests() const { return requests_.load(); }
  int max_in_flight() const { return max_in_flight_.load(); }

  static std::string Canned(const std::string& prompt) { return "echo:" + prompt; }

 private:
  Fault Next() {
    std::lock_guard<std::mutex> lock(mu_);
    if (always_ != Fault::kNone) return always_;
    if (script_.empty()) return Fault::kNone;
    Fault f = script_.front();
    script_.pop_front();
    return f;
  }

  static nlohmann::json EchoLogprobs(const std::string& prompt) {
    nlohmann::json offsets = nlohmann::json::array(), lps = nlohmann::json::array(),
                   tokens = nlohmann::json::array(), top = nlohmann::json::array();
    for (size_t i = 0; i < prompt.size(); ++i) {
      const std::string tok(1, prompt[i]);
      const double lp = -0.25 * static_cast<double>(1 + i % 4);
      offsets.push_back(i);
      tokens.push_back(tok);
      lps.push_back(i == 0 ? nlohmann::json(nullptr) : nlohmann::json(lp));
      top.push_back(i == 0 ? nlohmann::json(nullptr) : nlohmann::json{{tok, lp}});
    }
    return {{"text_offset", offsets}, {"token_logprobs", lps}, {"tokens", tokens}, {"top_logprobs", top}};
  }

  void Reply(const nlohmann::json& body, bool chat, const std::string& prompt, Fault fault,
             httplib::Response& res) {
    nlohmann::json choice;
    if (chat) {
      choice = {{"index", 0}, {"finish_reason", "stop"},
                {"message", {{"role", "assistant"}, {"content", Canned(prompt)}, {"reasoning_content", "hmm"}}}};
    } else if (body.value("echo", false)) {
      choice = {{"index", 0}, {"text", prompt}, {"finish_reason", "length"},
                {"logprobs", fault == Fault::kNoPromptLogprobs ? nlohmann::json(nullptr) : EchoLogprobs(prompt)}};
    } else {
      choice = {{"index", 0}, {"text", Canned(prompt)}, {"finish_reason", "stop"}, {"logprobs", nullptr}};
    }
    nlohmann::json reply = {{"id", "x"}, {"choices", {choice}},
                            {"usage", {{"prompt_tokens", prompt.size()}, {"completion_tokens", 3}}}};
    res.set_content(reply.dump(), "application/json");
  }

  void Stream(const std::string& prompt, bool truncated, httplib::Response& res) {
    res.set_chunked_content_provider("text/event-stream", [prompt, truncated](size_t, httplib::DataSink& sink) {
      auto event = [&](const nlohmann::json& j) {
        const std::string s = "data: " + j.dump() + "\n\n";
        sink.write(s.data(), s.size());
      };
      event({{"choices", {{{"index", 0}, {"delta", {{"role", "assistant"}, {"reasoning_content", "hmm"}}}}}}});
      event({{"choices", {{{"index", 0}, {"delta", {{"content", Canned(prompt)}}}}}}});
      if (!truncated) {
        event({{"choices", {{{"index", 0}, {"delta", nlohmann::json::object()}, {"finish_reason", "stop"}}}}});
        sink.write("data: [DONE]\n\n", 14);
      }
      sink.done();
      return true;
    });
  }

  void Handle(const httplib::Request& req, httplib::Response& res, bool chat) {
    const int now = ++in_flight_;
    for (int m = max_in_flight_.load(); now > m && !max_in_flight_.compare_exchange_weak(m, now);) {}
    ++requests_;
    HandleInner(req, res, chat);
    --in_flight_;
  }

  void HandleInner(const httplib::Request& req, httplib::Response& res, bool chat) {
    const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
    std::string prompt;
    if (chat && body.contains("messages")) {
      prompt = body["messages"].back().value("content", "");
    } else if (body.is_object()) {
      prompt = body.value("prompt", "");
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++seen_[prompt];
    }
    const Fault fault = Next();
    if (delay_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms_.load()));
    switch (fault) {
      case Fault::kHttp500: res.status = 500; res.set_content(R"({"error":{"message":"boom"}})", "application/json"); return;
      case Fault::kHttp429: res.status = 429; res.set_content(R"({"error":{"message":"slow down"}})", "application/json"); return;
      case Fault::kHttp400: res.status = 400; res.set_content(R"({"error":{"message":"bad field 'x'"}})", "application/json"); return;
      case Fault::kMalformedJson: res.set_content("{\"choices\": [tru", "application/json"); return;
      case Fault::kDrop:
        res.set_content_provider(1000, "application/json", [](size_t offset, size_t, httplib::DataSink& sink) {
          if (offset > 0) return false;
          sink.write("{\"choices\": [", 13);
          return true;
        });
        return;
      case Fault::kSlow: std::this_thread::sleep_for(std::chrono::milliseconds(slow_ms)); break;
      case Fault::kTrickle:
        res.set_chunked_content_provider("application/json", [n = 0](size_t, httplib::DataSink& sink) mutable {
          if (n++ == 60 || !sink.is_writable()) return false;
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          return sink.write(" ", 1);
        });
        return;
      default: break;
    }
    if (chat && body.value("stream", false)) return Stream(prompt, fault == Fault::kTruncatedStream, res);
    Reply(body, chat, prompt, fault, res);
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::deque<Fault> script_;         // guarded by mu_
  std::map<std::string, int> seen_;  // guarded by mu_
  std::atomic<Fault> always_{Fault::kNone};
  std::atomic<int> delay_ms_{0};
  std::atomic<int64_t> requests_{0};
  std::atomic<int> in_flight_{0}, max_in_flight_{0};
};

}  // namespace dokja::bench::testing
