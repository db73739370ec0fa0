#include "actors/nodes/node_tree.hpp"

#include <algorithm>
#include <functional>

#include "actors/nodes/node_name.hpp"

namespace bistro {

namespace {

std::uint32_t hash_name(std::string_view name) {
  return static_cast<std::uint32_t>(std::hash<std::string_view>{}(name));
}

constexpr std::uint64_t empty_slot = no_node;

node_id slot_node(std::uint64_t slot) {
  return static_cast<node_id>(slot & 0xffffffffu);
}

std::uint32_t slot_hash(std::uint64_t slot) {
  return static_cast<std::uint32_t>(slot >> 32);
}

template <typename T>
std::size_t heap_bytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

}  // namespace

// --- node_tree --------------------------------------------------------------

node_id node_tree::canonical_of_replica(node_id n) const {
  auto it = std::lower_bound(replica_of_.begin(), replica_of_.end(), n,
                             [](const std::pair<node_id, node_id>& p,
                                node_id x) { return p.first < x; });
  return (it != replica_of_.end() && it->first == n) ? it->second : n;
}

bool node_tree::has_tag(node_id n, std::string_view tag) const {
  for (auto t : tags(n)) {
    if (t == tag) return true;
  }
  return false;
}

std::vector<std::string_view> node_tree::tags(node_id n) const {
  std::vector<std::string_view> out;
  if ((flags_[n] & tagged_flag) == 0) return out;
  auto it =
      std::lower_bound(node_tags_.begin(), node_tags_.end(), n,
                       [](const auto& p, node_id x) { return p.first < x; });
  if (it == node_tags_.end() || it->first != n) return out;
  out.reserve(it->second.size());
  for (auto index : it->second) out.emplace_back(tag_names_[index]);
  return out;
}

std::size_t node_tree::probe(std::string_view name, std::uint32_t hash) const {
  const std::size_t mask = hash_slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const std::uint64_t slot = hash_slots_[i];
    if (slot == empty_slot) return i;
    if (slot_hash(slot) == hash && this->name(slot_node(slot)) == name) {
      return i;
    }
  }
}

std::optional<node_id> node_tree::find(std::string_view name) const {
  if (hash_slots_.empty()) return std::nullopt;
  const std::uint64_t slot = hash_slots_[probe(name, hash_name(name))];
  if (slot == empty_slot) return std::nullopt;
  return slot_node(slot);
}

std::size_t node_tree::memory_bytes() const {
  std::size_t bytes =
      names_.capacity() + heap_bytes(name_begin_) + heap_bytes(parent_) +
      heap_bytes(level_) + heap_bytes(flags_) + heap_bytes(by_level_) +
      heap_bytes(level_begin_) + heap_bytes(hash_slots_) +
      heap_bytes(replica_of_) + heap_bytes(node_tags_) + heap_bytes(tag_names_);
  for (const auto& [n, tags] : node_tags_) bytes += heap_bytes(tags);
  for (const auto& tag : tag_names_) bytes += tag.capacity();
  return bytes;
}

// --- node_tree_builder ------------------------------------------------------

node_tree_builder::node_tree_builder(std::string instance_name,
                                     level_id num_levels) {
  start(std::move(instance_name), num_levels);
}

void node_tree_builder::start(std::string instance_name, level_id num_levels) {
  tree_ = node_tree{};
  levels_.clear();
  live_in_hash_ = 0;
  refusals_.clear();
  refusals_unnamed_ = refused_descendants_ = 0;
  levels_.resize(static_cast<std::size_t>(std::max<level_id>(num_levels, 1)));
  tree_.names_ = std::move(instance_name);
  tree_.name_begin_ = {0, static_cast<std::uint32_t>(tree_.names_.size())};
  tree_.parent_.push_back(no_node);
  tree_.level_.push_back(0);
  tree_.flags_.push_back(0);
  levels_[0].push_back(0);
  tree_.hash_slots_.assign(16, empty_slot);
  const auto hash = hash_name(tree_.name(0));
  insert_hash(0, hash, tree_.probe(tree_.name(0), hash));
}

void node_tree_builder::reserve(std::size_t nodes, std::size_t name_bytes) {
  const std::size_t total = tree_.parent_.size() + nodes;
  tree_.names_.reserve(tree_.names_.size() + name_bytes);
  tree_.name_begin_.reserve(total + 1);
  tree_.parent_.reserve(total);
  tree_.level_.reserve(total);
  tree_.flags_.reserve(total);
  std::size_t slots = tree_.hash_slots_.size();
  while (total * 2 > slots) slots *= 2;
  if (slots != tree_.hash_slots_.size()) rehash(slots);
}

node_id node_tree_builder::add(std::string_view name, level_id level,
                               node_id parent, bool enabled,
                               const std::vector<std::string>& tags) {
  if (parent == no_node) {
    ++refused_descendants_;
    return no_node;
  }
  if (auto problem = node_name_problem(name, max_name_bytes_)) {
    if (refusals_.size() < max_refusals_named)
      refusals_.push_back("node " + escaped_name(name) + " (level " +
                          std::to_string(level) + ", under " +
                          escaped_name(tree_.name(parent)) +
                          ") refused: its name " + *problem);
    else
      ++refusals_unnamed_;
    return no_node;
  }
  const auto n = static_cast<node_id>(tree_.parent_.size());
  const std::uint32_t hash = hash_name(name);
  const std::size_t slot = tree_.probe(name, hash);
  const std::uint64_t existing = tree_.hash_slots_[slot];
  tree_.names_.append(name);
  tree_.name_begin_.push_back(static_cast<std::uint32_t>(tree_.names_.size()));
  tree_.parent_.push_back(parent);
  tree_.level_.push_back(static_cast<std::uint8_t>(level));
  std::uint8_t flags = enabled ? 0 : node_tree::disabled_flag;
  if (existing != empty_slot) {
    flags |= node_tree::replica_flag;
    tree_.replica_of_.emplace_back(n, slot_node(existing));
  } else {
    insert_hash(n, hash, slot);
  }
  if (!tags.empty()) {
    flags |= node_tree::tagged_flag;
    std::vector<std::uint32_t> indexes;
    indexes.reserve(tags.size());
    for (const auto& tag : tags) {
      auto it =
          std::find(tree_.tag_names_.begin(), tree_.tag_names_.end(), tag);
      if (it == tree_.tag_names_.end()) {
        tree_.tag_names_.push_back(tag);
        it = tree_.tag_names_.end() - 1;
      }
      indexes.push_back(
          static_cast<std::uint32_t>(it - tree_.tag_names_.begin()));
    }
    tree_.node_tags_.emplace_back(n, std::move(indexes));
  }
  tree_.flags_.push_back(flags);
  if (level >= 0 && static_cast<std::size_t>(level) < levels_.size()) {
    levels_[static_cast<std::size_t>(level)].push_back(n);
  }
  return n;
}

std::vector<std::string> node_tree_builder::take_refusals() {
  auto out = std::move(refusals_);
  refusals_.clear();
  if (refusals_unnamed_ > 0)
    out.push_back(std::to_string(refusals_unnamed_) +
                  " more nodes refused for their names");
  if (refused_descendants_ > 0)
    out.push_back(std::to_string(refused_descendants_) +
                  " nodes below refused nodes not made either");
  refusals_unnamed_ = refused_descendants_ = 0;
  return out;
}

void node_tree_builder::prefetch(std::string_view name) const {
  const std::size_t mask = tree_.hash_slots_.size() - 1;
  __builtin_prefetch(tree_.hash_slots_.data() + (hash_name(name) & mask));
}

std::optional<node_id> node_tree_builder::find(std::string_view name) const {
  return tree_.find(name);
}

std::vector<node_id> node_tree_builder::nodes_at_level(level_id level) const {
  if (level < 0 || static_cast<std::size_t>(level) >= levels_.size()) {
    return {};
  }
  return levels_[static_cast<std::size_t>(level)];
}

std::string_view node_tree_builder::name(node_id n) const {
  return tree_.name(n);
}

std::shared_ptr<const node_tree> node_tree_builder::build() {
  tree_.by_level_.clear();
  tree_.by_level_.reserve(tree_.parent_.size());
  tree_.level_begin_.assign(1, 0);
  for (auto& ids : levels_) {
    tree_.by_level_.insert(tree_.by_level_.end(), ids.begin(), ids.end());
    tree_.level_begin_.push_back(
        static_cast<std::uint32_t>(tree_.by_level_.size()));
    std::vector<node_id>{}.swap(ids);
  }
  tree_.names_.shrink_to_fit();
  tree_.name_begin_.shrink_to_fit();
  tree_.parent_.shrink_to_fit();
  tree_.level_.shrink_to_fit();
  tree_.flags_.shrink_to_fit();
  tree_.replica_of_.shrink_to_fit();
  tree_.node_tags_.shrink_to_fit();
  std::string instance_name(tree_.name(0));
  const auto num_levels = static_cast<level_id>(levels_.size());
  auto tree = std::make_shared<const node_tree>(std::move(tree_));
  start(std::move(instance_name), num_levels);
  return tree;
}

void node_tree_builder::rehash(std::size_t slots) {
  std::vector<std::uint64_t> old(slots, empty_slot);
  old.swap(tree_.hash_slots_);
  const std::size_t mask = slots - 1;
  for (const std::uint64_t entry : old) {
    if (entry == empty_slot) continue;
    std::size_t i = slot_hash(entry) & mask;
    while (tree_.hash_slots_[i] != empty_slot) i = (i + 1) & mask;
    tree_.hash_slots_[i] = entry;
  }
}

void node_tree_builder::insert_hash(node_id n, std::uint32_t hash,
                                    std::size_t slot) {
  tree_.hash_slots_[slot] = (std::uint64_t{hash} << 32) | n;
  // Keep the load at most 1/2 so that probes stay short.
  if (++live_in_hash_ * 2 > tree_.hash_slots_.size()) {
    rehash(tree_.hash_slots_.size() * 2);
  }
}

}  // namespace bistro
