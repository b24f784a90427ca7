// Node-wide reassembly memory, shared by every session (issue "Hostile load": each session
// has its own bound, but max_sessions x that bound is gigabytes). The same soft / hard rule as
// the per-session bound (fragment.hpp, Reassembler::admits): a fragment that starts a new
// message needs the node below its soft share (3/4 of the capacity); a fragment of a message
// already started may use the rest, so started messages can complete and free memory.
//
// Sessions run on different threads, so the count is atomic. A check and the following add
// are not one step: concurrent sessions may overshoot the capacity by at most one packet's
// fragments each, which keeps the bound meaningful without a lock on the hot path.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace ssu2::session {

class SharedBudget {
 public:
  explicit SharedBudget(size_t capacity) : capacity_(capacity) {}
  size_t capacity() const { return capacity_; }
  size_t used() const { return used_.load(std::memory_order_relaxed); }
  uint64_t refusals() const { return refusals_.load(std::memory_order_relaxed); }

  // Whether `bytes` more fit: up to the soft share for new messages, the capacity for
  // progress. Counts a refusal when they do not.
  bool fits(size_t bytes, bool progress) const {
    size_t limit = progress ? capacity_ : capacity_ / 4 * 3;
    if (used() + bytes <= limit) return true;
    refusals_.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  void add(size_t bytes) { used_.fetch_add(bytes, std::memory_order_relaxed); }
  void sub(size_t bytes) { used_.fetch_sub(bytes, std::memory_order_relaxed); }

 private:
  size_t capacity_;
  std::atomic<size_t> used_{0};
  mutable std::atomic<uint64_t> refusals_{0};
};

// One session's part of a SharedBudget: what it holds is given back when it ends (or is
// moved away). No budget: every call is a no-op and fits() is true.
class BudgetShare {
 public:
  BudgetShare() = default;
  explicit BudgetShare(std::shared_ptr<SharedBudget> b) : budget_(std::move(b)) {}
  BudgetShare(const BudgetShare&) = delete;
  BudgetShare& operator=(const BudgetShare&) = delete;
  BudgetShare(BudgetShare&& o) noexcept : budget_(std::move(o.budget_)), held_(o.held_) { o.held_ = 0; }
  BudgetShare& operator=(BudgetShare&& o) noexcept {
    if (this != &o) {
      release();
      budget_ = std::move(o.budget_);
      held_ = o.held_;
      o.held_ = 0;
    }
    return *this;
  }
  ~BudgetShare() { release(); }

  bool fits(size_t bytes, bool progress) const { return !budget_ || budget_->fits(bytes, progress); }
  void add(size_t bytes) {
    held_ += bytes;
    if (budget_) budget_->add(bytes);
  }
  void sub(size_t bytes) {
    held_ -= bytes;
    if (budget_) budget_->sub(bytes);
  }

 private:
  void release() {
    if (budget_ && held_) budget_->sub(held_);
    held_ = 0;
  }
  std::shared_ptr<SharedBudget> budget_;
  size_t held_ = 0;
};

}  // namespace ssu2::session
