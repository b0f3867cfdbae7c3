// Runs scenarios on N threads, each with its own Replayer::Session (a kept-alive connection),
// and hands every result to a callback in the order the scenarios came, one at a time. At most
// `16 N + 16` scenarios are between the source and the callback at once: memory stays flat however
// many scenarios there are. Shared by `replay` and `fuzz`.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <alguna/contract/corpus.hpp>
#include <alguna/contract/replay.hpp>

namespace alguna::contract::cli {

class ParallelRun {
 public:
  using Emit = std::function<void(const Scenario&, const ScenarioResult&)>;

  ParallelRun(const Replayer& replayer, std::size_t jobs, Emit emit)
      : replayer_(replayer), jobs_(jobs), window_(jobs * 16 + 16), emit_(std::move(emit)) {}

  // Whether writing out a result failed (reported on stderr).
  bool internal_error() const { return internal_error_; }

  // A scenario to run, the end (nullopt), or a reason to stop reading (a string).
  using Next = std::variant<std::optional<Scenario>, std::string>;

  // Takes scenarios from `next` until it ends; returns its reason when it stopped with one.
  std::optional<std::string> run(const std::function<Next()>& next) {
    std::vector<std::thread> workers;
    workers.reserve(jobs_);
    for (std::size_t i = 0; i < jobs_; ++i) workers.emplace_back([this] { work(); });

    std::optional<std::string> problem;
    std::size_t sequence = 0;
    for (;;) {
      Next item = next();
      if (auto* reason = std::get_if<std::string>(&item)) {
        problem = std::move(*reason);
        break;
      }
      auto& scenario = std::get<std::optional<Scenario>>(item);
      if (!scenario) break;
      std::unique_lock<std::mutex> lock(mutex_);
      room_.wait(lock, [&] { return sequence - emitted_ < window_; });
      queue_.push_back({sequence++, std::move(*scenario)});
      work_ready_.notify_one();
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      reading_done_ = true;
    }
    work_ready_.notify_all();
    for (auto& worker : workers) worker.join();
    return problem;
  }

 private:
  struct Job {
    std::size_t sequence;
    Scenario scenario;
  };
  struct Done {
    Scenario scenario;
    ScenarioResult result;
  };

  void work() {
    Replayer::Session session = replayer_.session();
    for (;;) {
      Job job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        work_ready_.wait(lock, [&] { return !queue_.empty() || reading_done_; });
        if (queue_.empty()) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      ScenarioResult result = session.run(job.scenario);
      std::lock_guard<std::mutex> lock(mutex_);
      done_.emplace(job.sequence, Done{std::move(job.scenario), std::move(result)});
      // Whoever completes the next scenario in corpus order writes out every result that is ready.
      for (auto it = done_.find(emitted_); it != done_.end(); it = done_.find(emitted_)) {
        try {
          emit_(it->second.scenario, it->second.result);
        } catch (const std::exception& e) {
          std::cerr << "alguna-contract: internal error while writing a result: " << e.what() << '\n';
          internal_error_ = true;
        }
        done_.erase(it);
        ++emitted_;
      }
      room_.notify_one();
    }
  }

  const Replayer& replayer_;
  std::size_t jobs_;
  std::size_t window_;
  Emit emit_;

  std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable room_;
  std::deque<Job> queue_;
  std::map<std::size_t, Done> done_;
  std::size_t emitted_ = 0;
  bool reading_done_ = false;
  bool internal_error_ = false;
};

}  // namespace alguna::contract::cli
