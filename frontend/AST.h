//===- AST.h - syntax tree of the tile language -----------------*- C++ -*-===//
//
// The parser builds this tree; MLIR generation walks it. Nodes keep the
// source position of their first token for diagnostics.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_FRONTEND_AST_H
#define TILEC_FRONTEND_AST_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Casting.h"
#include "llvm/Support/SMLoc.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tilec::frontend {

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

/// Base of all expression nodes.
class Expr {
public:
  enum class Kind {
    Name, Int, Float, String, Bool, None, Attribute, Call, Subscript, Slice,
    Binary, Unary, Compare, BoolOp, Tuple, List, Dict, IfElse, Lambda, Comprehension
  };
  Expr(Kind kind, llvm::SMLoc loc) : kind(kind), loc(loc) {}
  virtual ~Expr() = default;
  Kind getKind() const { return kind; }
  llvm::SMLoc getLoc() const { return loc; }

private:
  Kind kind;
  llvm::SMLoc loc;
};
using ExprPtr = std::unique_ptr<Expr>;

/// `name`
class NameExpr : public Expr {
public:
  NameExpr(llvm::SMLoc loc, std::string name)
      : Expr(Kind::Name, loc), name(std::move(name)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Name; }
  std::string name;
};

/// An integer literal.
class IntExpr : public Expr {
public:
  IntExpr(llvm::SMLoc loc, int64_t value) : Expr(Kind::Int, loc), value(value) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Int; }
  int64_t value;
};

/// A float literal.
class FloatExpr : public Expr {
public:
  FloatExpr(llvm::SMLoc loc, double value)
      : Expr(Kind::Float, loc), value(value) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Float; }
  double value;
};

/// A string literal.
class StringExpr : public Expr {
public:
  StringExpr(llvm::SMLoc loc, std::string value)
      : Expr(Kind::String, loc), value(std::move(value)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::String; }
  std::string value;
  /// An f-string: `{name}` fields are filled in where it is a message
  /// (of assert or raise); it is no value otherwise.
  bool formatted = false;
};

/// `True` / `False`
class BoolExpr : public Expr {
public:
  BoolExpr(llvm::SMLoc loc, bool value) : Expr(Kind::Bool, loc), value(value) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Bool; }
  bool value;
};

/// `None`
class NoneExpr : public Expr {
public:
  explicit NoneExpr(llvm::SMLoc loc) : Expr(Kind::None, loc) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::None; }
};

/// `base.name`
class AttributeExpr : public Expr {
public:
  AttributeExpr(llvm::SMLoc loc, ExprPtr base, std::string name)
      : Expr(Kind::Attribute, loc), base(std::move(base)), name(std::move(name)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Attribute; }
  ExprPtr base;
  std::string name;
};

/// A keyword argument `name=value` of a call.
struct KeywordArg {
  llvm::SMLoc loc;
  std::string name;
  ExprPtr value;
};

/// `callee(args..., name=value...)`
class CallExpr : public Expr {
public:
  CallExpr(llvm::SMLoc loc, ExprPtr callee, std::vector<ExprPtr> args,
           std::vector<KeywordArg> keywords)
      : Expr(Kind::Call, loc), callee(std::move(callee)), args(std::move(args)),
        keywords(std::move(keywords)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Call; }
  /// The dotted name of the callee (`T.copy`), or "" when it is not one.
  std::string getCalleeName() const;
  const KeywordArg *findKeyword(llvm::StringRef name) const;
  ExprPtr callee;
  std::vector<ExprPtr> args;
  std::vector<KeywordArg> keywords;
};

/// `base[i, j:k, ...]`
class SubscriptExpr : public Expr {
public:
  SubscriptExpr(llvm::SMLoc loc, ExprPtr base, std::vector<ExprPtr> indices)
      : Expr(Kind::Subscript, loc), base(std::move(base)),
        indices(std::move(indices)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Subscript; }
  ExprPtr base;
  std::vector<ExprPtr> indices;
};

/// `lower:upper:step` inside a subscript; each part may be absent.
class SliceExpr : public Expr {
public:
  SliceExpr(llvm::SMLoc loc, ExprPtr lower, ExprPtr upper, ExprPtr step)
      : Expr(Kind::Slice, loc), lower(std::move(lower)), upper(std::move(upper)),
        step(std::move(step)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Slice; }
  ExprPtr lower, upper, step;
};

/// Binary arithmetic and bitwise operators.
enum class BinaryOp {
  Add, Sub, Mul, Div, FloorDiv, Mod, Pow, BitAnd, BitOr, BitXor, Shl, Shr
};
const char *binaryOpSpelling(BinaryOp op);

class BinaryExpr : public Expr {
public:
  BinaryExpr(llvm::SMLoc loc, BinaryOp op, ExprPtr lhs, ExprPtr rhs)
      : Expr(Kind::Binary, loc), op(op), lhs(std::move(lhs)), rhs(std::move(rhs)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Binary; }
  BinaryOp op;
  ExprPtr lhs, rhs;
};

enum class UnaryOp { Neg, Plus, Not, Invert };

class UnaryExpr : public Expr {
public:
  UnaryExpr(llvm::SMLoc loc, UnaryOp op, ExprPtr operand)
      : Expr(Kind::Unary, loc), op(op), operand(std::move(operand)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Unary; }
  UnaryOp op;
  ExprPtr operand;
};

enum class CompareOp { Lt, Le, Gt, Ge, Eq, Ne, Is, IsNot, In, NotIn };
const char *compareOpSpelling(CompareOp op);

class CompareExpr : public Expr {
public:
  CompareExpr(llvm::SMLoc loc, CompareOp op, ExprPtr lhs, ExprPtr rhs,
              const Expr *sharedLhs = nullptr)
      : Expr(Kind::Compare, loc), op(op), lhs(std::move(lhs)), rhs(std::move(rhs)),
        sharedLhs(sharedLhs) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Compare; }
  /// The left operand: its own, or in a chain the previous comparison's
  /// right one.
  const Expr &left() const { return sharedLhs ? *sharedLhs : *lhs; }
  CompareOp op;
  ExprPtr lhs, rhs; // lhs is null in a chain's later comparisons
  /// `a < b <= c` is `a < b and b <= c`: the second comparison reads `b`
  /// again (owned by the first; tile-language expressions have no side
  /// effects, so reading it twice is reading it once).
  const Expr *sharedLhs = nullptr;
};

/// `lhs and rhs` / `lhs or rhs` (short-circuit).
class BoolOpExpr : public Expr {
public:
  BoolOpExpr(llvm::SMLoc loc, bool isAnd, ExprPtr lhs, ExprPtr rhs)
      : Expr(Kind::BoolOp, loc), isAnd(isAnd), lhs(std::move(lhs)),
        rhs(std::move(rhs)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::BoolOp; }
  bool isAnd;
  ExprPtr lhs, rhs;
};

/// `[element for a, b in iterable if condition]`, and the generator form
/// in parentheses or as a call's only argument (`sum(x for x in xs)`): a
/// tuple computed at compile time.
class ComprehensionExpr : public Expr {
public:
  ComprehensionExpr(llvm::SMLoc loc, ExprPtr element,
                    std::vector<std::pair<llvm::SMLoc, std::string>> targets, ExprPtr iterable,
                    ExprPtr condition)
      : Expr(Kind::Comprehension, loc), element(std::move(element)),
        targets(std::move(targets)), iterable(std::move(iterable)),
        condition(std::move(condition)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Comprehension; }
  ExprPtr element;
  std::vector<std::pair<llvm::SMLoc, std::string>> targets;
  ExprPtr iterable;
  ExprPtr condition; // may be null
};

/// `(a, b)` and `[a, b]`.
class SequenceExpr : public Expr {
public:
  SequenceExpr(Kind kind, llvm::SMLoc loc, std::vector<ExprPtr> elements)
      : Expr(kind, loc), elements(std::move(elements)) {}
  static bool classof(const Expr *e) {
    return e->getKind() == Kind::Tuple || e->getKind() == Kind::List;
  }
  std::vector<ExprPtr> elements;
};

/// `{k: v, ...}`
class DictExpr : public Expr {
public:
  DictExpr(llvm::SMLoc loc, std::vector<ExprPtr> keys, std::vector<ExprPtr> values)
      : Expr(Kind::Dict, loc), keys(std::move(keys)), values(std::move(values)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Dict; }
  std::vector<ExprPtr> keys, values;
};

/// `lambda i, j: body` (the index map of T.Layout / T.Fragment); a `*args`
/// or `**kwargs` parameter keeps its stars in its name.
class LambdaExpr : public Expr {
public:
  LambdaExpr(llvm::SMLoc loc, std::vector<std::string> params, ExprPtr body)
      : Expr(Kind::Lambda, loc), params(std::move(params)), body(std::move(body)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::Lambda; }
  std::vector<std::string> params;
  ExprPtr body;
};

/// `a if cond else b`
class IfElseExpr : public Expr {
public:
  IfElseExpr(llvm::SMLoc loc, ExprPtr cond, ExprPtr thenValue, ExprPtr elseValue)
      : Expr(Kind::IfElse, loc), cond(std::move(cond)),
        thenValue(std::move(thenValue)), elseValue(std::move(elseValue)) {}
  static bool classof(const Expr *e) { return e->getKind() == Kind::IfElse; }
  ExprPtr cond, thenValue, elseValue;
};

//===----------------------------------------------------------------------===//
// Statements
//===----------------------------------------------------------------------===//

class Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using StmtList = std::vector<StmtPtr>;

class Stmt {
public:
  enum class Kind {
    Expr, Assign, AugAssign, If, For, While, With, Break, Continue, Pass,
    Return, FunctionDef, Import, Assert, Raise
  };
  Stmt(Kind kind, llvm::SMLoc loc) : kind(kind), loc(loc) {}
  virtual ~Stmt() = default;
  Kind getKind() const { return kind; }
  llvm::SMLoc getLoc() const { return loc; }

private:
  Kind kind;
  llvm::SMLoc loc;
};

class ExprStmt : public Stmt {
public:
  ExprStmt(llvm::SMLoc loc, ExprPtr value)
      : Stmt(Kind::Expr, loc), value(std::move(value)) {}
  static bool classof(const Stmt *s) { return s->getKind() == Kind::Expr; }
  ExprPtr value;
};

/// `target = value`; `target` is a name, a subscript or a tuple of those.
/// An annotated assignment `x: T.int32 = v` keeps its annotation; a bare
/// annotation `A: T.Tensor(...)` (an eager kernel's parameter) has no value.
class AssignStmt : public Stmt {
public:
  AssignStmt(llvm::SMLoc loc, ExprPtr target, ExprPtr value, ExprPtr annotation,
             std::vector<ExprPtr> chained = {})
      : Stmt(Kind::Assign, loc), target(std::move(target)), value(std::move(value)),
        annotation(std::move(annotation)), chained(std::move(chained)) {}
  static bool classof(const Stmt *s) { return s->getKind() == Kind::Assign; }
  /// Every target, in the order Python assigns them: `a = b = v` gives a, b.
  std::vector<const Expr *> targets() const {
    std::vector<const Expr *> all{target.get()};
    for (const ExprPtr &next : chained)
      all.push_back(next.get());
    return all;
  }
  ExprPtr target, value, annotation;
  /// The targets after the first of a chained assignment (`a = b = v`).
  std::vector<ExprPtr> chained;
};

/// `target op= value`
class AugAssignStmt : public Stmt {
public:
  AugAssignStmt(llvm::SMLoc loc, BinaryOp op, ExprPtr target, ExprPtr value)
      : Stmt(Kind::AugAssign, loc), op(op), target(std::move(target)),
        value(std::move(value)) {}
  static bool classof(const Stmt *s) { return s->getKind() == Kind::AugAssign; }
  BinaryOp op;
  ExprPtr target, value;
};

/// `if cond: ... else: ...`; `elif` nests an IfStmt in `elseBody`.
class IfStmt : public Stmt {
public:
  IfStmt(llvm::SMLoc loc, ExprPtr cond, StmtList thenBody, StmtList elseBody)
      : Stmt(Kind::If, loc), cond(std::move(cond)), thenBody(std::move(thenBody)),
        elseBody(std::move(elseBody)) {}
  static bool classof(const Stmt *s) { return s->getKind() == Kind::If; }
  ExprPtr cond;
  StmtList thenBody, elseBody;
};

/// `for a, b in iter: body`
class ForStmt : public Stmt {
public:
  ForStmt(llvm::SMLoc loc, std::vector<std::pair<llvm::SMLoc, std::string>> targets,
          ExprPtr iter, StmtList body)
      : Stmt(Kind::For, loc), targets(std::move(targets)), iter(std::move(iter)),
        body(std::move(body)) {}
  static bool classof(const Stmt *s) { return s->getKind() == Kind::For; }
  std::vector<std::pair<llvm::SMLoc, std::string>> targets;
  ExprPtr iter;
  StmtList body;
};

class WhileStmt : public Stmt {
public:
  WhileStmt(llvm::SMLoc loc, ExprPtr cond, StmtList body)
      : Stmt(Kind::While, loc), cond(std::move(cond)), body(std::move(body)) {}
  static bool classof(const Stmt *s) { return s->getKind() == Kind::While; }
  ExprPtr cond;
  StmtList body;
};

/// `with ctx as (a, b): body`
class WithStmt : public Stmt {
public:
  WithStmt(llvm::SMLoc loc, ExprPtr context,
           std::vector<std::pair<llvm::SMLoc, std::string>> targets, StmtList body)
      : Stmt(Kind::With, loc), context(std::move(context)),
        targets(std::move(targets)), body(std::move(body)) {}
  static bool classof(const Stmt *s) { return s->getKind() == Kind::With; }
  ExprPtr context;
  std::vector<std::pair<llvm::SMLoc, std::string>> targets;
  StmtList body;
};

/// `break`, `continue`, `pass`.
/// `assert cond, message`: checked at compile time.
class AssertStmt : public Stmt {
public:
  AssertStmt(llvm::SMLoc loc, ExprPtr cond, ExprPtr message)
      : Stmt(Kind::Assert, loc), cond(std::move(cond)), message(std::move(message)) {}
  static bool classof(const Stmt *s) { return s->getKind() == Kind::Assert; }
  ExprPtr cond;
  ExprPtr message; // may be null
};

/// `raise exception`: an error when compilation reaches it.
class RaiseStmt : public Stmt {
public:
  RaiseStmt(llvm::SMLoc loc, ExprPtr exception)
      : Stmt(Kind::Raise, loc), exception(std::move(exception)) {}
  static bool classof(const Stmt *s) { return s->getKind() == Kind::Raise; }
  ExprPtr exception; // may be null
};

class SimpleStmt : public Stmt {
public:
  SimpleStmt(Kind kind, llvm::SMLoc loc) : Stmt(kind, loc) {}
  static bool classof(const Stmt *s) {
    return s->getKind() == Kind::Break || s->getKind() == Kind::Continue ||
           s->getKind() == Kind::Pass;
  }
};

class ReturnStmt : public Stmt {
public:
  ReturnStmt(llvm::SMLoc loc, ExprPtr value)
      : Stmt(Kind::Return, loc), value(std::move(value)) {}
  static bool classof(const Stmt *s) { return s->getKind() == Kind::Return; }
  ExprPtr value; // may be null
};

/// One parameter of a `def`: `name: annotation = default`.
struct Param {
  llvm::SMLoc loc;
  std::string name;
  ExprPtr annotation; // may be null
  ExprPtr defaultValue; // may be null
  /// A tensor the kernel writes and its caller receives (an eager kernel's
  /// `C = T.empty(...)`).
  bool output = false;
};

/// `@decorators def name(params): body`
class FunctionDef : public Stmt {
public:
  FunctionDef(llvm::SMLoc loc, std::vector<ExprPtr> decorators, std::string name,
              std::vector<Param> params, StmtList body)
      : Stmt(Kind::FunctionDef, loc), decorators(std::move(decorators)),
        name(std::move(name)), params(std::move(params)), body(std::move(body)) {}
  static bool classof(const Stmt *s) { return s->getKind() == Kind::FunctionDef; }
  /// Whether a decorator spells `T.<name>` (e.g. "prim_func", "macro").
  bool hasDecorator(llvm::StringRef name) const;
  /// A kernel factory (TileLang's Python form: `def gemm(M, N, K, ...):`
  /// holding a `@T.prim_func` that it returns, at its top level or in an
  /// if/else) gives the first kernel it may return; null for any other
  /// function.
  const FunctionDef *factoryKernel() const;
  std::vector<ExprPtr> decorators;
  std::string name;
  std::vector<Param> params;
  StmtList body;
};

/// `import a.b as c` or `from a.b import x as y, z`.
class ImportStmt : public Stmt {
public:
  struct Name {
    llvm::SMLoc loc;
    std::string name, alias;
  };
  ImportStmt(llvm::SMLoc loc, std::string module, std::string moduleAlias,
             bool isFrom, std::vector<Name> names)
      : Stmt(Kind::Import, loc), module(std::move(module)),
        moduleAlias(std::move(moduleAlias)), isFrom(isFrom), names(std::move(names)) {}
  static bool classof(const Stmt *s) { return s->getKind() == Kind::Import; }
  std::string module;      // dotted, may start with '.'
  std::string moduleAlias; // for `import m as a`
  bool isFrom;
  std::vector<Name> names; // for `from m import ...`
};

/// A parsed `.tl` file.
struct ModuleAST {
  std::string path;
  StmtList body;
};

/// Prints the tree in an indented, readable form (`tilec --emit=ast`).
void dumpAST(const ModuleAST &module, llvm::raw_ostream &os);
void dumpExpr(const Expr &expr, llvm::raw_ostream &os);

} // namespace tilec::frontend

#endif // TILEC_FRONTEND_AST_H
