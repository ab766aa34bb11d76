//===- AST.cpp - syntax tree helpers and printer --------------------------===//

#include "frontend/AST.h"

#include <functional>

#include "llvm/ADT/STLExtras.h"

using namespace tilec::frontend;

const char *tilec::frontend::binaryOpSpelling(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add: return "+";
  case BinaryOp::Sub: return "-";
  case BinaryOp::Mul: return "*";
  case BinaryOp::Div: return "/";
  case BinaryOp::FloorDiv: return "//";
  case BinaryOp::Mod: return "%";
  case BinaryOp::Pow: return "**";
  case BinaryOp::BitAnd: return "&";
  case BinaryOp::BitOr: return "|";
  case BinaryOp::BitXor: return "^";
  case BinaryOp::Shl: return "<<";
  case BinaryOp::Shr: return ">>";
  }
  return "?";
}

const char *tilec::frontend::compareOpSpelling(CompareOp op) {
  switch (op) {
  case CompareOp::Lt: return "<";
  case CompareOp::Le: return "<=";
  case CompareOp::Gt: return ">";
  case CompareOp::Ge: return ">=";
  case CompareOp::Eq: return "==";
  case CompareOp::Ne: return "!=";
  case CompareOp::Is: return "is";
  case CompareOp::IsNot: return "is not";
  case CompareOp::In: return "in";
  case CompareOp::NotIn: return "not in";
  }
  return "?";
}

std::string CallExpr::getCalleeName() const {
  std::string name;
  const Expr *e = callee.get();
  while (auto *attr = llvm::dyn_cast<AttributeExpr>(e)) {
    name = "." + attr->name + name;
    e = attr->base.get();
  }
  auto *base = llvm::dyn_cast<NameExpr>(e);
  if (!base)
    return "";
  return base->name + name;
}

const KeywordArg *CallExpr::findKeyword(llvm::StringRef name) const {
  for (const KeywordArg &keyword : keywords)
    if (keyword.name == name)
      return &keyword;
  return nullptr;
}

bool FunctionDef::hasDecorator(llvm::StringRef name) const {
  for (const ExprPtr &decorator : decorators) {
    const Expr *e = decorator.get();
    if (auto *call = llvm::dyn_cast<CallExpr>(e))
      e = call->callee.get();
    if (auto *attr = llvm::dyn_cast<AttributeExpr>(e))
      if (attr->name == name)
        return true;
    if (auto *plain = llvm::dyn_cast<NameExpr>(e))
      if (plain->name == name)
        return true;
  }
  return false;
}

const FunctionDef *FunctionDef::factoryKernel() const {
  if (hasDecorator("prim_func") || hasDecorator("macro"))
    return nullptr;
  // The returns at the top level or in its if/else (which kernel a factory
  // returns may depend on its arguments).
  std::function<const FunctionDef *(const StmtList &)> returned =
      [&](const StmtList &stmts) -> const FunctionDef * {
    for (const StmtPtr &stmt : stmts) {
      if (auto *branch = llvm::dyn_cast<IfStmt>(stmt.get())) {
        if (const FunctionDef *found = returned(branch->thenBody))
          return found;
        if (const FunctionDef *found = returned(branch->elseBody))
          return found;
        continue;
      }
      auto *ret = llvm::dyn_cast<ReturnStmt>(stmt.get());
      // `return kernel_func(...)`: a function defined here that returns one.
      if (auto *call = ret ? llvm::dyn_cast_or_null<CallExpr>(ret->value.get()) : nullptr)
        if (auto *callee = llvm::dyn_cast<NameExpr>(call->callee.get()))
          for (const StmtPtr &candidate : body)
            if (auto *def = llvm::dyn_cast<FunctionDef>(candidate.get()))
              if (def->name == callee->name && def->decorators.empty())
                if (const FunctionDef *kernel = def->factoryKernel())
                  return kernel;
      auto *name = ret ? llvm::dyn_cast_or_null<NameExpr>(ret->value.get()) : nullptr;
      if (!name)
        continue;
      // The kernel is defined in the branch that returns it or at the top.
      for (const StmtList *defs : {&stmts, &body})
        for (const StmtPtr &candidate : *defs)
          if (auto *def = llvm::dyn_cast<FunctionDef>(candidate.get()))
            if (def->name == name->name && def->hasDecorator("prim_func"))
              return def;
    }
    return nullptr;
  };
  return returned(body);
}

void tilec::frontend::dumpExpr(const Expr &expr, llvm::raw_ostream &os) {
  auto list = [&](const std::vector<ExprPtr> &elements) {
    llvm::interleaveComma(elements, os,
                          [&](const ExprPtr &e) { dumpExpr(*e, os); });
  };
  switch (expr.getKind()) {
  case Expr::Kind::Name:
    os << llvm::cast<NameExpr>(expr).name;
    return;
  case Expr::Kind::Int:
    os << llvm::cast<IntExpr>(expr).value;
    return;
  case Expr::Kind::Float:
    os << llvm::cast<FloatExpr>(expr).value;
    return;
  case Expr::Kind::String:
    os << '"';
    os.write_escaped(llvm::cast<StringExpr>(expr).value);
    os << '"';
    return;
  case Expr::Kind::Bool:
    os << (llvm::cast<BoolExpr>(expr).value ? "True" : "False");
    return;
  case Expr::Kind::None:
    os << "None";
    return;
  case Expr::Kind::Attribute: {
    auto &attr = llvm::cast<AttributeExpr>(expr);
    dumpExpr(*attr.base, os);
    os << '.' << attr.name;
    return;
  }
  case Expr::Kind::Call: {
    auto &call = llvm::cast<CallExpr>(expr);
    dumpExpr(*call.callee, os);
    os << '(';
    list(call.args);
    for (auto [i, keyword] : llvm::enumerate(call.keywords)) {
      if (i > 0 || !call.args.empty())
        os << ", ";
      os << keyword.name << '=';
      dumpExpr(*keyword.value, os);
    }
    os << ')';
    return;
  }
  case Expr::Kind::Subscript: {
    auto &sub = llvm::cast<SubscriptExpr>(expr);
    dumpExpr(*sub.base, os);
    os << '[';
    list(sub.indices);
    os << ']';
    return;
  }
  case Expr::Kind::Slice: {
    auto &slice = llvm::cast<SliceExpr>(expr);
    if (slice.lower)
      dumpExpr(*slice.lower, os);
    os << ':';
    if (slice.upper)
      dumpExpr(*slice.upper, os);
    if (slice.step) {
      os << ':';
      dumpExpr(*slice.step, os);
    }
    return;
  }
  case Expr::Kind::Binary: {
    auto &bin = llvm::cast<BinaryExpr>(expr);
    os << '(';
    dumpExpr(*bin.lhs, os);
    os << ' ' << binaryOpSpelling(bin.op) << ' ';
    dumpExpr(*bin.rhs, os);
    os << ')';
    return;
  }
  case Expr::Kind::Unary: {
    auto &un = llvm::cast<UnaryExpr>(expr);
    static const char *spellings[] = {"-", "+", "not ", "~"};
    os << spellings[static_cast<int>(un.op)];
    dumpExpr(*un.operand, os);
    return;
  }
  case Expr::Kind::Compare: {
    auto &cmp = llvm::cast<CompareExpr>(expr);
    os << '(';
    dumpExpr(cmp.left(), os);
    os << ' ' << compareOpSpelling(cmp.op) << ' ';
    dumpExpr(*cmp.rhs, os);
    os << ')';
    return;
  }
  case Expr::Kind::BoolOp: {
    auto &op = llvm::cast<BoolOpExpr>(expr);
    os << '(';
    dumpExpr(*op.lhs, os);
    os << (op.isAnd ? " and " : " or ");
    dumpExpr(*op.rhs, os);
    os << ')';
    return;
  }
  case Expr::Kind::Tuple:
  case Expr::Kind::List: {
    bool isTuple = expr.getKind() == Expr::Kind::Tuple;
    auto &seq = llvm::cast<SequenceExpr>(expr);
    os << (isTuple ? '(' : '[');
    list(seq.elements);
    if (isTuple && seq.elements.size() == 1)
      os << ',';
    os << (isTuple ? ')' : ']');
    return;
  }
  case Expr::Kind::Dict: {
    auto &dict = llvm::cast<DictExpr>(expr);
    os << '{';
    for (size_t i = 0; i < dict.keys.size(); ++i) {
      if (i)
        os << ", ";
      dumpExpr(*dict.keys[i], os);
      os << ": ";
      dumpExpr(*dict.values[i], os);
    }
    os << '}';
    return;
  }
  case Expr::Kind::Comprehension: {
    auto &comp = llvm::cast<ComprehensionExpr>(expr);
    os << '[';
    dumpExpr(*comp.element, os);
    os << " for";
    for (const auto &target : comp.targets)
      os << ' ' << target.second;
    os << " in ";
    dumpExpr(*comp.iterable, os);
    if (comp.condition) {
      os << " if ";
      dumpExpr(*comp.condition, os);
    }
    os << ']';
    return;
  }
  case Expr::Kind::Lambda: {
    auto &fn = llvm::cast<LambdaExpr>(expr);
    os << "(lambda";
    for (const std::string &param : fn.params)
      os << ' ' << param;
    os << ": ";
    dumpExpr(*fn.body, os);
    os << ')';
    return;
  }
  case Expr::Kind::IfElse: {
    auto &ie = llvm::cast<IfElseExpr>(expr);
    os << '(';
    dumpExpr(*ie.thenValue, os);
    os << " if ";
    dumpExpr(*ie.cond, os);
    os << " else ";
    dumpExpr(*ie.elseValue, os);
    os << ')';
    return;
  }
  }
}

namespace {
/// Prints statements one per line, nested blocks indented by two spaces.
class ASTPrinter {
public:
  explicit ASTPrinter(llvm::raw_ostream &os) : os(os) {}

  void print(const StmtList &body, unsigned depth) {
    for (const StmtPtr &stmt : body)
      print(*stmt, depth);
  }

  void print(const Stmt &stmt, unsigned depth) {
    os.indent(depth * 2);
    switch (stmt.getKind()) {
    case Stmt::Kind::Expr:
      os << "Expr ";
      dumpExpr(*llvm::cast<ExprStmt>(stmt).value, os);
      os << '\n';
      return;
    case Stmt::Kind::Assign: {
      auto &assign = llvm::cast<AssignStmt>(stmt);
      os << "Assign ";
      dumpExpr(*assign.target, os);
      for (const ExprPtr &next : assign.chained) {
        os << " = ";
        dumpExpr(*next, os);
      }
      if (assign.annotation) {
        os << ": ";
        dumpExpr(*assign.annotation, os);
      }
      if (assign.value) {
        os << " = ";
        dumpExpr(*assign.value, os);
      }
      os << '\n';
      return;
    }
    case Stmt::Kind::AugAssign: {
      auto &aug = llvm::cast<AugAssignStmt>(stmt);
      os << "AugAssign ";
      dumpExpr(*aug.target, os);
      os << ' ' << binaryOpSpelling(aug.op) << "= ";
      dumpExpr(*aug.value, os);
      os << '\n';
      return;
    }
    case Stmt::Kind::If: {
      auto &ifStmt = llvm::cast<IfStmt>(stmt);
      os << "If ";
      dumpExpr(*ifStmt.cond, os);
      os << '\n';
      print(ifStmt.thenBody, depth + 1);
      if (!ifStmt.elseBody.empty()) {
        os.indent(depth * 2) << "Else\n";
        print(ifStmt.elseBody, depth + 1);
      }
      return;
    }
    case Stmt::Kind::For: {
      auto &forStmt = llvm::cast<ForStmt>(stmt);
      os << "For ";
      llvm::interleaveComma(forStmt.targets, os,
                            [&](const auto &t) { os << t.second; });
      os << " in ";
      dumpExpr(*forStmt.iter, os);
      os << '\n';
      print(forStmt.body, depth + 1);
      return;
    }
    case Stmt::Kind::While: {
      auto &whileStmt = llvm::cast<WhileStmt>(stmt);
      os << "While ";
      dumpExpr(*whileStmt.cond, os);
      os << '\n';
      print(whileStmt.body, depth + 1);
      return;
    }
    case Stmt::Kind::With: {
      auto &with = llvm::cast<WithStmt>(stmt);
      os << "With ";
      dumpExpr(*with.context, os);
      if (!with.targets.empty()) {
        os << " as (";
        llvm::interleaveComma(with.targets, os,
                              [&](const auto &t) { os << t.second; });
        os << ')';
      }
      os << '\n';
      print(with.body, depth + 1);
      return;
    }
    case Stmt::Kind::Break:
      os << "Break\n";
      return;
    case Stmt::Kind::Continue:
      os << "Continue\n";
      return;
    case Stmt::Kind::Pass:
      os << "Pass\n";
      return;
    case Stmt::Kind::Return: {
      auto &ret = llvm::cast<ReturnStmt>(stmt);
      os << "Return";
      if (ret.value) {
        os << ' ';
        dumpExpr(*ret.value, os);
      }
      os << '\n';
      return;
    }
    case Stmt::Kind::FunctionDef: {
      auto &def = llvm::cast<FunctionDef>(stmt);
      os << "FunctionDef " << def.name;
      for (const ExprPtr &decorator : def.decorators) {
        os << " @";
        dumpExpr(*decorator, os);
      }
      os << '\n';
      for (const Param &param : def.params) {
        os.indent(depth * 2 + 2) << "Param " << param.name;
        if (param.annotation) {
          os << ": ";
          dumpExpr(*param.annotation, os);
        }
        if (param.defaultValue) {
          os << " = ";
          dumpExpr(*param.defaultValue, os);
        }
        os << '\n';
      }
      print(def.body, depth + 1);
      return;
    }
    case Stmt::Kind::Assert: {
      auto &check = llvm::cast<AssertStmt>(stmt);
      os << "Assert ";
      dumpExpr(*check.cond, os);
      if (check.message) {
        os << ", ";
        dumpExpr(*check.message, os);
      }
      os << '\n';
      return;
    }
    case Stmt::Kind::Raise: {
      auto &raise = llvm::cast<RaiseStmt>(stmt);
      os << "Raise";
      if (raise.exception) {
        os << ' ';
        dumpExpr(*raise.exception, os);
      }
      os << '\n';
      return;
    }
    case Stmt::Kind::Import: {
      auto &imp = llvm::cast<ImportStmt>(stmt);
      if (imp.isFrom) {
        os << "ImportFrom " << imp.module << ":";
        for (const auto &name : imp.names) {
          os << ' ' << name.name;
          if (!name.alias.empty())
            os << " as " << name.alias;
        }
      } else {
        os << "Import " << imp.module;
        if (!imp.moduleAlias.empty())
          os << " as " << imp.moduleAlias;
      }
      os << '\n';
      return;
    }
    }
  }

private:
  llvm::raw_ostream &os;
};
} // namespace

void tilec::frontend::dumpAST(const ModuleAST &module, llvm::raw_ostream &os) {
  os << "Module \"" << module.path << "\"\n";
  ASTPrinter(os).print(module.body, 1);
}
