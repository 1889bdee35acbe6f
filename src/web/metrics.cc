// Metrics for /metrics: per route, request counts by status and a latency
// histogram; named counters. One mutex: a few map lookups per request.
#include <array>
#include <cstdio>
#include <map>
#include <mutex>
#include <string>

#include "web/app.h"

namespace dokja::web {
namespace {

// Upper bounds of the latency buckets, in seconds (the last is +Inf).
constexpr std::array<double, 12> kBucketBounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                  0.05,   0.1,   0.25,   0.5,   1.0,  5.0};

struct RouteStats {
  std::map<int, int64_t> by_status;
  std::array<int64_t, kBucketBounds.size() + 1> buckets{};  // not cumulative
  double sum_seconds = 0;
  int64_t count = 0;
};

// Prometheus label values escape backslash, quote and newline.
std::string EscapeLabel(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Metric names allow [a-zA-Z0-9_:]; anything else becomes '_'.
std::string MetricName(const std::string& name) {
  std::string out = "dokja_";
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    out += ok ? c : '_';
  }
  return out + "_total";
}

std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

struct Metrics::Impl {
  mutable std::mutex mu;
  std::map<std::string, RouteStats> routes;
  std::map<std::string, int64_t> counters;
};

Metrics::Metrics() : impl_(std::make_shared<Impl>()) {}

void Metrics::ObserveRequest(const std::string& route, int status, double seconds) {
  size_t bucket = 0;
  while (bucket < kBucketBounds.size() && seconds > kBucketBounds[bucket]) ++bucket;
  std::lock_guard<std::mutex> lock(impl_->mu);
  RouteStats& stats = impl_->routes[route];
  ++stats.by_status[status];
  ++stats.buckets[bucket];
  stats.sum_seconds += seconds;
  ++stats.count;
}

void Metrics::Add(const std::string& counter, int64_t delta) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->counters[counter] += delta;
}

std::string Metrics::Render() const {
  std::string out;
  out += "# HELP dokja_http_requests_total HTTP requests by route and status.\n";
  out += "# TYPE dokja_http_requests_total counter\n";
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (const auto& [route, stats] : impl_->routes) {
    for (const auto& [status, n] : stats.by_status) {
      out += "dokja_http_requests_total{route=\"" + EscapeLabel(route) + "\",status=\"" +
             std::to_string(status) + "\"} " + std::to_string(n) + "\n";
    }
  }
  out += "# HELP dokja_http_request_duration_seconds Time from routing to the handler's return.\n";
  out += "# TYPE dokja_http_request_duration_seconds histogram\n";
  for (const auto& [route, stats] : impl_->routes) {
    const std::string label = "route=\"" + EscapeLabel(route) + "\"";
    int64_t cumulative = 0;
    for (size_t i = 0; i <= kBucketBounds.size(); ++i) {
      cumulative += stats.buckets[i];
      const std::string le = i < kBucketBounds.size() ? FormatDouble(kBucketBounds[i]) : "+Inf";
      out += "dokja_http_request_duration_seconds_bucket{" + label + ",le=\"" + le + "\"} " +
             std::to_string(cumulative) + "\n";
    }
    out += "dokja_http_request_duration_seconds_sum{" + label + "} " +
           FormatDouble(stats.sum_seconds) + "\n";
    out += "dokja_http_request_duration_seconds_count{" + label + "} " +
           std::to_string(stats.count) + "\n";
  }
  for (const auto& [name, value] : impl_->counters) {
    const std::string metric = MetricName(name);
    out += "# TYPE " + metric + " counter\n" + metric + " " + std::to_string(value) + "\n";
  }
  return out;
}

}  // namespace dokja::web
