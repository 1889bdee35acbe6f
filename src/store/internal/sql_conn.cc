#include "store/internal/sql_conn.h"

#include <cstdlib>

namespace dokja::store::internal {

int64_t AsInt(const SqlValue& value) {
  if (const int64_t* v = std::get_if<int64_t>(&value)) return *v;
  if (const std::string* s = std::get_if<std::string>(&value))
    return std::strtoll(s->c_str(), nullptr, 10);
  return 0;
}

std::string AsText(const SqlValue& value) {
  if (const std::string* s = std::get_if<std::string>(&value)) return *s;
  if (const int64_t* v = std::get_if<int64_t>(&value)) return std::to_string(*v);
  return std::string();
}

Result<std::unique_ptr<SqlConn>> ConnPool::Acquire() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || open_ < max_size_; });
    if (!idle_.empty()) {
      std::unique_ptr<SqlConn> conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;  // reserve a slot; open outside the lock
  }
  Result<std::unique_ptr<SqlConn>> conn = factory_();
  if (!conn.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    --open_;
    cv_.notify_one();
  }
  return conn;
}

void ConnPool::Release(std::unique_ptr<SqlConn> conn) {
  if (!conn) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (conn->healthy()) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
  }
  cv_.notify_one();
}

Status InTransaction(SqlConn& conn, const std::function<Status()>& body) {
  DOKJA_RETURN_IF_ERROR(conn.Begin());
  Status st = body();
  if (st.ok()) st = conn.Commit();
  if (!st.ok()) conn.Rollback();
  return st;
}

}  // namespace dokja::store::internal
