// TaskRegistry: the task and group files of a folder, by name.
#include <algorithm>
#include <filesystem>

#include "bench/task_spec.h"

namespace dokja::bench {

namespace fs = std::filesystem;

Result<TaskRegistry> TaskRegistry::Load(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::NotFound(dir + ": no such task folder");
  std::vector<std::string> paths;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    std::string ext = p.extension().string();
    if (!it->is_regular_file() || (ext != ".yaml" && ext != ".yml")) continue;
    if (p.filename().string().rfind('_', 0) == 0) continue;  // include-only base
    paths.push_back(p.string());
  }
  if (ec) return Status::IOError(dir + ": " + ec.message());
  std::sort(paths.begin(), paths.end());
  TaskRegistry registry;
  for (const std::string& path : paths) {
    DOKJA_ASSIGN_OR_RETURN(TaskFile file, LoadTaskFile(path));
    DOKJA_RETURN_IF_ERROR(registry.Add(std::move(file)));
  }
  return registry;
}

Status TaskRegistry::Add(TaskFile file) {
  const std::string& name = file.is_group ? file.group.name : file.task.name;
  const std::string& where = file.is_group ? file.group.file : file.task.file;
  if (tasks_.count(name) || groups_.count(name)) {
    const std::string& other = tasks_.count(name) ? tasks_.at(name).file : groups_.at(name).file;
    return Status::InvalidArgument(where + ": '" + name + "' is already defined in " + other);
  }
  if (file.is_group) {
    groups_.emplace(name, std::move(file.group));
  } else {
    tasks_.emplace(name, std::move(file.task));
  }
  return Status::OK();
}

Status TaskRegistry::Expand(const std::string& name, std::vector<std::string>& stack,
                            std::vector<TaskSpec>* tasks, std::vector<GroupSpec>* groups) const {
  if (auto t = tasks_.find(name); t != tasks_.end()) {
    auto same = [&](const TaskSpec& s) { return s.name == name; };
    if (std::none_of(tasks->begin(), tasks->end(), same)) tasks->push_back(t->second);
    return Status::OK();
  }
  auto g = groups_.find(name);
  if (g == groups_.end()) return Status::NotFound("no task or group named '" + name + "'");
  if (std::find(stack.begin(), stack.end(), name) != stack.end()) {
    return Status::InvalidArgument(g->second.file + ": group '" + name + "' contains itself");
  }
  stack.push_back(name);
  for (const std::string& member : g->second.members) {
    Status s = Expand(member, stack, tasks, groups);
    if (!s.ok()) return s.WithPrefix(g->second.file + ": group '" + name + "'");
  }
  stack.pop_back();
  auto same = [&](const GroupSpec& s) { return s.name == name; };
  if (std::none_of(groups->begin(), groups->end(), same)) groups->push_back(g->second);
  return Status::OK();
}

Status TaskRegistry::Resolve(const std::vector<std::string>& names, std::vector<TaskSpec>* tasks,
                             std::vector<GroupSpec>* groups) const {
  tasks->clear();
  groups->clear();
  for (const std::string& name : names) {
    std::vector<std::string> stack;
    DOKJA_RETURN_IF_ERROR(Expand(name, stack, tasks, groups));
  }
  return Status::OK();
}

}  // namespace dokja::bench
