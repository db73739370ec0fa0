#include "actors/rounds/running_charges.hpp"

#include <bit>
#include <utility>

namespace bistro {

std::size_t running_charges::slot_of(std::uint64_t key) const {
  const std::size_t mask = entries_.size() - 1;
  std::size_t i = home(key);
  while (entries_[i].key != key && entries_[i].key != empty_key)
    i = (i + 1) & mask;
  return i;
}

const running_charges::charge* running_charges::find(job_index job,
                                                     node_id node) const {
  if (size_ == 0) return nullptr;
  const auto& e = entries_[slot_of(key_of(job, node))];
  return e.key == empty_key ? nullptr : &e.value;
}

void running_charges::set(job_index job, node_id node, charge c) {
  reserve(size_ + 1);
  auto& e = entries_[slot_of(key_of(job, node))];
  if (e.key == empty_key) {
    e.key = key_of(job, node);
    ++size_;
  }
  e.value = c;
}

bool running_charges::erase(job_index job, node_id node) {
  if (size_ == 0) return false;
  const std::size_t mask = entries_.size() - 1;
  std::size_t hole = slot_of(key_of(job, node));
  if (entries_[hole].key == empty_key) return false;
  // Shift back each later entry of the run whose home is not between the
  // hole and it (cyclically): it would no longer be found past the hole.
  for (std::size_t j = (hole + 1) & mask; entries_[j].key != empty_key;
       j = (j + 1) & mask) {
    const std::size_t h = home(entries_[j].key);
    const bool stays = hole <= j ? hole < h && h <= j : hole < h || h <= j;
    if (stays) continue;
    entries_[hole] = entries_[j];
    hole = j;
  }
  entries_[hole] = entry{};
  --size_;
  return true;
}

void running_charges::reserve(std::size_t n) {
  if (n * 2 <= entries_.size()) return;
  rehash(std::bit_ceil(std::max<std::size_t>(n * 2, 16)));
}

void running_charges::clear() {
  entries_.assign(entries_.size(), entry{});
  size_ = 0;
}

void running_charges::rehash(std::size_t capacity) {
  auto old = std::exchange(entries_, std::vector<entry>(capacity));
  shift_ = 64 - static_cast<unsigned>(std::countr_zero(capacity));
  for (const auto& e : old)
    if (e.key != empty_key) entries_[slot_of(e.key)] = e;
}

}  // namespace bistro
