//===- Parser.cpp - parser of the tile language ---------------------------===//

#include "frontend/Parser.h"

#include "llvm/ADT/StringExtras.h"

using namespace tilec::frontend;
using llvm::SMLoc;

namespace {

/// Thrown-free error propagation: every parse function returns null on error
/// after reporting it; statement-level recovery skips to the next line.
class Parser {
public:
  Parser(SourceContext &source, std::vector<Token> tokens)
      : source(source), tokens(std::move(tokens)) {}

  StmtList parseFile();

private:
  static constexpr unsigned kMaxErrors = 20;
  /// Limits that keep the recursive descent (and every later recursive walk
  /// of the tree) far from the end of the stack on adversarial input.
  static constexpr unsigned kMaxNesting = 200;
  static constexpr unsigned kMaxChain = 1000;

  /// Counts nesting for the lifetime of one recursive parse call.
  struct NestingGuard {
    NestingGuard(Parser &parser) : parser(parser) { ++parser.nesting; }
    ~NestingGuard() { --parser.nesting; }
    bool tooDeep() {
      if (parser.nesting <= kMaxNesting)
        return false;
      if (!parser.reportedNesting)
        parser.error(parser.tok().getLoc(), "code nested too deeply");
      parser.reportedNesting = true;
      return true;
    }
    Parser &parser;
  };

  const Token &tok() const { return tokens[pos]; }
  const Token &peek(size_t ahead = 1) const {
    return tokens[std::min(pos + ahead, tokens.size() - 1)];
  }
  bool is(TokenKind kind) const { return tok().is(kind); }
  /// Whether the current token ends a simple statement.
  bool atStatementEnd() const {
    return is(TokenKind::Newline) || is(TokenKind::Semicolon) || is(TokenKind::Eof);
  }
  void consume() {
    if (pos + 1 < tokens.size())
      ++pos;
  }
  bool consumeIf(TokenKind kind) {
    if (!is(kind))
      return false;
    consume();
    return true;
  }
  /// Reports an error at the current token unless too many were reported.
  void error(SMLoc loc, const llvm::Twine &message) {
    if (source.getNumErrors() < kMaxErrors)
      source.emitError(loc) << message;
    else
      ++suppressed;
  }
  bool expect(TokenKind kind, const char *context) {
    if (consumeIf(kind))
      return true;
    if (is(TokenKind::Error))
      return false; // the lexer reported it
    error(tok().getLoc(), llvm::Twine("expected ") + tokenKindName(kind) + " " +
                              context + ", found " + describe(tok()));
    return false;
  }
  std::string describe(const Token &token) const {
    switch (token.kind) {
    case TokenKind::Newline: return "end of line";
    case TokenKind::Eof: return "end of file";
    case TokenKind::Indent: return "an indented block";
    case TokenKind::Dedent: return "end of block";
    default: return ("'" + token.spelling + "'").str();
    }
  }

  /// Skips to just past the end of the current logical line.
  void recover() {
    while (!is(TokenKind::Newline) && !is(TokenKind::Eof))
      consume();
    consumeIf(TokenKind::Newline);
    // A block opened by a broken header is skipped whole.
    if (is(TokenKind::Indent))
      skipBlock();
  }
  void skipBlock() {
    int depth = 0;
    do {
      if (is(TokenKind::Indent))
        ++depth;
      else if (is(TokenKind::Dedent))
        --depth;
      else if (is(TokenKind::Eof))
        return;
      consume();
    } while (depth > 0);
  }

  // Statements.
  bool parseStatement(StmtList &out);
  bool parseSimpleStatements(StmtList &out);
  StmtPtr parseSmallStatement();
  bool parseBlock(StmtList &out, const char *what);
  StmtPtr parseFunctionDef(std::vector<ExprPtr> decorators);
  StmtPtr parseIf();
  StmtPtr parseFor();
  StmtPtr parseWhile();
  StmtPtr parseWith();
  StmtPtr parseImport();
  StmtPtr parseFromImport();
  bool parseTargetNames(std::vector<std::pair<SMLoc, std::string>> &names,
                        const char *what);
  bool parseDottedName(std::string &name);

  // Expressions.
  ExprPtr parseTestList(); // tuple without parentheses
  ExprPtr parseTest();
  ExprPtr parseOrTest() { return parseBoolChain(/*isAnd=*/false); }
  /// The rest of `element for names in iterable [if condition]`, at `for`.
  ExprPtr parseComprehension(ExprPtr element);
  ExprPtr parseBoolChain(bool isAnd);
  ExprPtr parseNotTest();
  ExprPtr parseComparison();
  ExprPtr parseBinary(int level);
  ExprPtr parseFactor();
  ExprPtr parsePower();
  ExprPtr parsePrimary();
  ExprPtr parseAtom();
  ExprPtr parseSubscriptItem();
  bool parseCallArgs(std::vector<ExprPtr> &args, std::vector<KeywordArg> &keywords);
  ExprPtr parseNumber();

  SourceContext &source;
  std::vector<Token> tokens;
  size_t pos = 0;
  unsigned suppressed = 0;
  unsigned nesting = 0;
  bool reportedNesting = false;
};

} // namespace

StmtList Parser::parseFile() {
  StmtList body;
  while (!is(TokenKind::Eof)) {
    if (consumeIf(TokenKind::Newline))
      continue;
    if (is(TokenKind::Indent)) {
      error(tok().getLoc(), "unexpected indent");
      skipBlock();
      continue;
    }
    if (is(TokenKind::Dedent)) {
      consume();
      continue;
    }
    if (!parseStatement(body))
      recover();
  }
  return body;
}

bool Parser::parseStatement(StmtList &out) {
  NestingGuard guard(*this);
  if (guard.tooDeep())
    return false;
  SMLoc loc = tok().getLoc();
  switch (tok().kind) {
  case TokenKind::At: {
    std::vector<ExprPtr> decorators;
    while (consumeIf(TokenKind::At)) {
      ExprPtr decorator = parseTest();
      if (!decorator || !expect(TokenKind::Newline, "after a decorator"))
        return false;
      decorators.push_back(std::move(decorator));
      while (consumeIf(TokenKind::Newline)) {
      }
    }
    if (!is(TokenKind::KwDef)) {
      error(tok().getLoc(), "expected 'def' after decorators");
      return false;
    }
    StmtPtr def = parseFunctionDef(std::move(decorators));
    if (!def)
      return false;
    out.push_back(std::move(def));
    return true;
  }
  case TokenKind::KwDef: {
    StmtPtr def = parseFunctionDef({});
    if (!def)
      return false;
    out.push_back(std::move(def));
    return true;
  }
  case TokenKind::KwIf:
  case TokenKind::KwFor:
  case TokenKind::KwWhile:
  case TokenKind::KwWith: {
    StmtPtr stmt = is(TokenKind::KwIf)      ? parseIf()
                   : is(TokenKind::KwFor)   ? parseFor()
                   : is(TokenKind::KwWhile) ? parseWhile()
                                            : parseWith();
    if (!stmt)
      return false;
    out.push_back(std::move(stmt));
    return true;
  }
  case TokenKind::KwElif:
  case TokenKind::KwElse:
    error(loc, "'" + tok().spelling + "' without a matching 'if'");
    return false;
  default:
    return parseSimpleStatements(out);
  }
}

bool Parser::parseSimpleStatements(StmtList &out) {
  while (true) {
    StmtPtr stmt = parseSmallStatement();
    if (!stmt)
      return false;
    out.push_back(std::move(stmt));
    if (!consumeIf(TokenKind::Semicolon))
      break;
    if (is(TokenKind::Newline))
      break;
  }
  if (is(TokenKind::Eof))
    return true;
  return expect(TokenKind::Newline, "at the end of the statement");
}

static std::optional<BinaryOp> augmentedOp(TokenKind kind) {
  switch (kind) {
  case TokenKind::PlusAssign: return BinaryOp::Add;
  case TokenKind::MinusAssign: return BinaryOp::Sub;
  case TokenKind::StarAssign: return BinaryOp::Mul;
  case TokenKind::SlashAssign: return BinaryOp::Div;
  case TokenKind::DoubleSlashAssign: return BinaryOp::FloorDiv;
  case TokenKind::PercentAssign: return BinaryOp::Mod;
  case TokenKind::DoubleStarAssign: return BinaryOp::Pow;
  case TokenKind::AmpAssign: return BinaryOp::BitAnd;
  case TokenKind::PipeAssign: return BinaryOp::BitOr;
  case TokenKind::CaretAssign: return BinaryOp::BitXor;
  case TokenKind::LeftShiftAssign: return BinaryOp::Shl;
  case TokenKind::RightShiftAssign: return BinaryOp::Shr;
  default: return std::nullopt;
  }
}

static bool isAssignable(const Expr &e) {
  if (llvm::isa<NameExpr, SubscriptExpr>(e))
    return true;
  if (auto *tuple = llvm::dyn_cast<SequenceExpr>(&e))
    return llvm::all_of(tuple->elements,
                        [](const ExprPtr &el) { return isAssignable(*el); });
  return false;
}

StmtPtr Parser::parseSmallStatement() {
  SMLoc loc = tok().getLoc();
  switch (tok().kind) {
  case TokenKind::KwPass:
    consume();
    return std::make_unique<SimpleStmt>(Stmt::Kind::Pass, loc);
  case TokenKind::KwBreak:
    consume();
    return std::make_unique<SimpleStmt>(Stmt::Kind::Break, loc);
  case TokenKind::KwContinue:
    consume();
    return std::make_unique<SimpleStmt>(Stmt::Kind::Continue, loc);
  case TokenKind::KwReturn: {
    consume();
    ExprPtr value;
    if (!atStatementEnd()) {
      value = parseTestList();
      if (!value)
        return nullptr;
    }
    return std::make_unique<ReturnStmt>(loc, std::move(value));
  }
  case TokenKind::KwImport:
    return parseImport();
  case TokenKind::KwAssert: {
    consume();
    ExprPtr cond = parseTest();
    if (!cond)
      return nullptr;
    ExprPtr message;
    if (is(TokenKind::Comma)) {
      consume();
      message = parseTest();
      if (!message)
        return nullptr;
    }
    return std::make_unique<AssertStmt>(loc, std::move(cond), std::move(message));
  }
  case TokenKind::KwRaise: {
    // `raise`, `raise ValueError(message)`: an error when compiling reaches it.
    consume();
    ExprPtr exception;
    if (!atStatementEnd()) {
      exception = parseTest();
      if (!exception)
        return nullptr;
    }
    return std::make_unique<RaiseStmt>(loc, std::move(exception));
  }
  case TokenKind::KwFrom:
    return parseFromImport();
  case TokenKind::KwLambda:
    error(loc, "lambda expressions are not supported");
    return nullptr;
  default:
    break;
  }

  ExprPtr target = parseTestList();
  if (!target)
    return nullptr;
  if (consumeIf(TokenKind::Colon)) {
    // Annotated assignment: `x: T.int32 = value`.
    ExprPtr annotation = parseTest();
    if (!annotation)
      return nullptr;
    if (!llvm::isa<NameExpr>(*target)) {
      error(target->getLoc(), "only a plain name can be annotated");
      return nullptr;
    }
    // `A: T.Tensor((M, K), dtype)` alone: an eager kernel's parameter.
    if (!is(TokenKind::Assign))
      return std::make_unique<AssignStmt>(loc, std::move(target), nullptr,
                                          std::move(annotation));
    if (!expect(TokenKind::Assign, "after an annotated name"))
      return nullptr;
    ExprPtr value = parseTestList();
    if (!value)
      return nullptr;
    return std::make_unique<AssignStmt>(loc, std::move(target), std::move(value),
                                        std::move(annotation));
  }
  if (is(TokenKind::Assign)) {
    // `a = b = value`: every expression but the last is a target.
    std::vector<ExprPtr> targets;
    targets.push_back(std::move(target));
    std::vector<SMLoc> assignLocs;
    ExprPtr value;
    while (is(TokenKind::Assign)) {
      assignLocs.push_back(tok().getLoc());
      consume();
      value = parseTestList();
      if (!value)
        return nullptr;
      if (is(TokenKind::Assign))
        targets.push_back(std::move(value));
    }
    for (auto [each, assignLoc] : llvm::zip(targets, assignLocs))
      if (!isAssignable(*each)) {
        error(assignLoc, "cannot assign to this expression");
        return nullptr;
      }
    ExprPtr first = std::move(targets.front());
    targets.erase(targets.begin());
    return std::make_unique<AssignStmt>(loc, std::move(first), std::move(value), nullptr,
                                        std::move(targets));
  }
  if (std::optional<BinaryOp> op = augmentedOp(tok().kind)) {
    SMLoc opLoc = tok().getLoc();
    consume();
    ExprPtr value = parseTestList();
    if (!value)
      return nullptr;
    if (!llvm::isa<NameExpr, SubscriptExpr>(*target)) {
      error(opLoc, "augmented assignment needs a name or an element as target");
      return nullptr;
    }
    return std::make_unique<AugAssignStmt>(loc, *op, std::move(target),
                                           std::move(value));
  }
  return std::make_unique<ExprStmt>(loc, std::move(target));
}

bool Parser::parseBlock(StmtList &out, const char *what) {
  if (!expect(TokenKind::Colon, what))
    return false;
  if (!is(TokenKind::Newline)) {
    // `if x: stmt` on one line.
    return parseSimpleStatements(out);
  }
  consume();
  while (consumeIf(TokenKind::Newline)) {
  }
  if (!is(TokenKind::Indent)) {
    error(tok().getLoc(), llvm::Twine("expected an indented block ") + what);
    return false;
  }
  consume();
  while (!is(TokenKind::Dedent) && !is(TokenKind::Eof)) {
    if (consumeIf(TokenKind::Newline))
      continue;
    if (is(TokenKind::Indent)) {
      error(tok().getLoc(), "unexpected indent");
      skipBlock();
      continue;
    }
    if (!parseStatement(out)) {
      while (!is(TokenKind::Newline) && !is(TokenKind::Eof) &&
             !is(TokenKind::Dedent))
        consume();
      consumeIf(TokenKind::Newline);
      if (is(TokenKind::Indent))
        skipBlock();
    }
  }
  consumeIf(TokenKind::Dedent);
  return true;
}

StmtPtr Parser::parseFunctionDef(std::vector<ExprPtr> decorators) {
  SMLoc loc = tok().getLoc();
  consume(); // def
  if (!is(TokenKind::Identifier)) {
    error(tok().getLoc(), "expected a function name after 'def'");
    return nullptr;
  }
  std::string name = tok().spelling.str();
  consume();
  if (!expect(TokenKind::LParen, "after the function name"))
    return nullptr;
  std::vector<Param> params;
  while (!is(TokenKind::RParen)) {
    if (!is(TokenKind::Identifier)) {
      error(tok().getLoc(), "expected a parameter name, found " + describe(tok()));
      return nullptr;
    }
    Param param;
    param.loc = tok().getLoc();
    param.name = tok().spelling.str();
    consume();
    for (const Param &other : params)
      if (other.name == param.name) {
        error(param.loc, "duplicate parameter '" + param.name + "'");
        return nullptr;
      }
    if (consumeIf(TokenKind::Colon)) {
      param.annotation = parseTest();
      if (!param.annotation)
        return nullptr;
    }
    if (consumeIf(TokenKind::Assign)) {
      param.defaultValue = parseTest();
      if (!param.defaultValue)
        return nullptr;
    }
    params.push_back(std::move(param));
    if (!consumeIf(TokenKind::Comma))
      break;
  }
  if (!expect(TokenKind::RParen, "after the parameters"))
    return nullptr;
  if (consumeIf(TokenKind::Arrow)) {
    if (!parseTest())
      return nullptr;
  }
  StmtList body;
  if (!parseBlock(body, "after the function header"))
    return nullptr;
  return std::make_unique<FunctionDef>(loc, std::move(decorators), std::move(name),
                                       std::move(params), std::move(body));
}

StmtPtr Parser::parseIf() {
  SMLoc loc = tok().getLoc();
  consume(); // if / elif
  ExprPtr cond = parseTest();
  if (!cond)
    return nullptr;
  StmtList thenBody, elseBody;
  if (!parseBlock(thenBody, "after the condition"))
    return nullptr;
  if (is(TokenKind::KwElif)) {
    StmtPtr nested = parseIf();
    if (!nested)
      return nullptr;
    elseBody.push_back(std::move(nested));
  } else if (consumeIf(TokenKind::KwElse)) {
    if (!parseBlock(elseBody, "after 'else'"))
      return nullptr;
  }
  return std::make_unique<IfStmt>(loc, std::move(cond), std::move(thenBody),
                                  std::move(elseBody));
}

bool Parser::parseTargetNames(std::vector<std::pair<SMLoc, std::string>> &names,
                              const char *what) {
  bool parenthesized = consumeIf(TokenKind::LParen);
  while (true) {
    if (!is(TokenKind::Identifier)) {
      error(tok().getLoc(),
            llvm::Twine("expected a name ") + what + ", found " + describe(tok()));
      return false;
    }
    names.emplace_back(tok().getLoc(), tok().spelling.str());
    consume();
    if (!consumeIf(TokenKind::Comma))
      break;
    if (parenthesized && is(TokenKind::RParen))
      break;
    if (!parenthesized && (is(TokenKind::KwIn) || is(TokenKind::Colon)))
      break;
  }
  if (parenthesized && !expect(TokenKind::RParen, "after the names"))
    return false;
  return true;
}

StmtPtr Parser::parseFor() {
  SMLoc loc = tok().getLoc();
  consume();
  std::vector<std::pair<SMLoc, std::string>> targets;
  if (!parseTargetNames(targets, "as loop variable"))
    return nullptr;
  if (!expect(TokenKind::KwIn, "after the loop variables"))
    return nullptr;
  ExprPtr iter = parseTest();
  if (!iter)
    return nullptr;
  StmtList body;
  if (!parseBlock(body, "after the loop header"))
    return nullptr;
  return std::make_unique<ForStmt>(loc, std::move(targets), std::move(iter),
                                   std::move(body));
}

StmtPtr Parser::parseWhile() {
  SMLoc loc = tok().getLoc();
  consume();
  ExprPtr cond = parseTest();
  if (!cond)
    return nullptr;
  StmtList body;
  if (!parseBlock(body, "after the loop condition"))
    return nullptr;
  return std::make_unique<WhileStmt>(loc, std::move(cond), std::move(body));
}

StmtPtr Parser::parseWith() {
  SMLoc loc = tok().getLoc();
  consume();
  ExprPtr context = parseTest();
  if (!context)
    return nullptr;
  std::vector<std::pair<SMLoc, std::string>> targets;
  if (consumeIf(TokenKind::KwAs) &&
      !parseTargetNames(targets, "after 'as'"))
    return nullptr;
  StmtList body;
  if (!parseBlock(body, "after the 'with' header"))
    return nullptr;
  return std::make_unique<WithStmt>(loc, std::move(context), std::move(targets),
                                    std::move(body));
}

bool Parser::parseDottedName(std::string &name) {
  while (is(TokenKind::Dot)) {
    name += '.';
    consume();
  }
  if (!is(TokenKind::Identifier)) {
    if (!name.empty() && (is(TokenKind::KwImport)))
      return true; // `from . import x`
    error(tok().getLoc(), "expected a module name, found " + describe(tok()));
    return false;
  }
  name += tok().spelling.str();
  consume();
  while (consumeIf(TokenKind::Dot)) {
    if (!is(TokenKind::Identifier)) {
      error(tok().getLoc(), "expected a name after '.'");
      return false;
    }
    name += "." + tok().spelling.str();
    consume();
  }
  return true;
}

StmtPtr Parser::parseImport() {
  SMLoc loc = tok().getLoc();
  consume();
  std::string module;
  if (!parseDottedName(module))
    return nullptr;
  std::string alias;
  if (consumeIf(TokenKind::KwAs)) {
    if (!is(TokenKind::Identifier)) {
      error(tok().getLoc(), "expected a name after 'as'");
      return nullptr;
    }
    alias = tok().spelling.str();
    consume();
  }
  return std::make_unique<ImportStmt>(loc, std::move(module), std::move(alias),
                                      /*isFrom=*/false,
                                      std::vector<ImportStmt::Name>{});
}

StmtPtr Parser::parseFromImport() {
  SMLoc loc = tok().getLoc();
  consume();
  std::string module;
  if (!parseDottedName(module))
    return nullptr;
  if (!expect(TokenKind::KwImport, "after the module name"))
    return nullptr;
  bool parenthesized = consumeIf(TokenKind::LParen);
  std::vector<ImportStmt::Name> names;
  do {
    if (parenthesized && is(TokenKind::RParen))
      break;
    if (is(TokenKind::Star)) {
      names.push_back({tok().getLoc(), "*", ""});
      consume();
      continue;
    }
    if (!is(TokenKind::Identifier)) {
      error(tok().getLoc(), "expected a name to import, found " + describe(tok()));
      return nullptr;
    }
    ImportStmt::Name name{tok().getLoc(), tok().spelling.str(), ""};
    consume();
    if (consumeIf(TokenKind::KwAs)) {
      if (!is(TokenKind::Identifier)) {
        error(tok().getLoc(), "expected a name after 'as'");
        return nullptr;
      }
      name.alias = tok().spelling.str();
      consume();
    }
    names.push_back(std::move(name));
  } while (consumeIf(TokenKind::Comma));
  if (parenthesized && !expect(TokenKind::RParen, "after the imported names"))
    return nullptr;
  return std::make_unique<ImportStmt>(loc, std::move(module), "", /*isFrom=*/true,
                                      std::move(names));
}

//===----------------------------------------------------------------------===//
// Expressions
//===----------------------------------------------------------------------===//

static bool startsExpression(TokenKind kind) {
  switch (kind) {
  case TokenKind::Identifier: case TokenKind::Integer: case TokenKind::Float:
  case TokenKind::String: case TokenKind::KwTrue: case TokenKind::KwFalse:
  case TokenKind::KwNone: case TokenKind::LParen: case TokenKind::LBracket:
  case TokenKind::LBrace: case TokenKind::Minus: case TokenKind::Plus:
  case TokenKind::Tilde: case TokenKind::KwNot:
    return true;
  default:
    return false;
  }
}

ExprPtr Parser::parseTestList() {
  SMLoc loc = tok().getLoc();
  ExprPtr first = parseTest();
  if (!first || !is(TokenKind::Comma))
    return first;
  std::vector<ExprPtr> elements;
  elements.push_back(std::move(first));
  while (consumeIf(TokenKind::Comma)) {
    if (!startsExpression(tok().kind))
      break;
    ExprPtr next = parseTest();
    if (!next)
      return nullptr;
    elements.push_back(std::move(next));
  }
  return std::make_unique<SequenceExpr>(Expr::Kind::Tuple, loc, std::move(elements));
}

ExprPtr Parser::parseTest() {
  NestingGuard guard(*this);
  if (guard.tooDeep())
    return nullptr;
  if (is(TokenKind::KwLambda)) {
    SMLoc loc = tok().getLoc();
    consume();
    std::vector<std::string> params;
    while (true) {
      // `*args` and `**kwargs` keep their stars in the name (T.Layout's
      // `lambda *args: args`).
      std::string stars = is(TokenKind::Star) ? "*" : is(TokenKind::DoubleStar) ? "**" : "";
      if (!stars.empty())
        consume();
      if (!is(TokenKind::Identifier)) {
        if (!stars.empty()) {
          error(tok().getLoc(), "expected a parameter name after '" + stars + "', found " +
                                    describe(tok()));
          return nullptr;
        }
        break;
      }
      params.push_back(stars + tok().spelling.str());
      consume();
      if (!is(TokenKind::Comma))
        break;
      consume();
    }
    if (!expect(TokenKind::Colon, "after a lambda's parameters"))
      return nullptr;
    ExprPtr body = parseTest();
    if (!body)
      return nullptr;
    return std::make_unique<LambdaExpr>(loc, std::move(params), std::move(body));
  }
  ExprPtr value = parseOrTest();
  if (!value || !is(TokenKind::KwIf))
    return value;
  SMLoc loc = tok().getLoc();
  consume();
  ExprPtr cond = parseOrTest();
  if (!cond || !expect(TokenKind::KwElse, "in a conditional expression"))
    return nullptr;
  ExprPtr elseValue = parseTest();
  if (!elseValue)
    return nullptr;
  return std::make_unique<IfElseExpr>(loc, std::move(cond), std::move(value),
                                      std::move(elseValue));
}

/// `or` chains of `and` chains (`and` binds tighter) of `not` tests.
ExprPtr Parser::parseBoolChain(bool isAnd) {
  auto operand = [&] { return isAnd ? parseNotTest() : parseBoolChain(/*isAnd=*/true); };
  ExprPtr lhs = operand();
  unsigned chain = 0;
  while (lhs && is(isAnd ? TokenKind::KwAnd : TokenKind::KwOr)) {
    if (++chain > kMaxChain) {
      error(tok().getLoc(), "expression too long");
      return nullptr;
    }
    SMLoc loc = tok().getLoc();
    consume();
    ExprPtr rhs = operand();
    if (!rhs)
      return nullptr;
    lhs = std::make_unique<BoolOpExpr>(loc, isAnd, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

ExprPtr Parser::parseNotTest() {
  NestingGuard guard(*this);
  if (guard.tooDeep())
    return nullptr;
  if (is(TokenKind::KwNot)) {
    SMLoc loc = tok().getLoc();
    consume();
    ExprPtr operand = parseNotTest();
    if (!operand)
      return nullptr;
    return std::make_unique<UnaryExpr>(loc, UnaryOp::Not, std::move(operand));
  }
  return parseComparison();
}

static std::optional<CompareOp> compareOp(TokenKind kind) {
  switch (kind) {
  case TokenKind::Less: return CompareOp::Lt;
  case TokenKind::LessEqual: return CompareOp::Le;
  case TokenKind::Greater: return CompareOp::Gt;
  case TokenKind::GreaterEqual: return CompareOp::Ge;
  case TokenKind::EqualEqual: return CompareOp::Eq;
  case TokenKind::NotEqual: return CompareOp::Ne;
  default: return std::nullopt;
  }
}

ExprPtr Parser::parseComparison() {
  ExprPtr lhs = parseBinary(0);
  if (!lhs)
    return nullptr;
  std::optional<CompareOp> op = compareOp(tok().kind);
  if (is(TokenKind::KwIs))
    op = CompareOp::Is;
  if (is(TokenKind::KwIn))
    op = CompareOp::In;
  // `not in`: `not` right after an operand starts no other expression.
  bool notIn = is(TokenKind::KwNot) && peek().kind == TokenKind::KwIn;
  if (notIn)
    op = CompareOp::NotIn;
  if (!op)
    return lhs;
  SMLoc loc = tok().getLoc();
  consume();
  if (notIn)
    consume();
  if (*op == CompareOp::Is && is(TokenKind::KwNot)) {
    consume();
    op = CompareOp::IsNot;
  }
  ExprPtr rhs = parseBinary(0);
  if (!rhs)
    return nullptr;
  ExprPtr result = std::make_unique<CompareExpr>(loc, *op, std::move(lhs), std::move(rhs));
  // `a < b <= c`: `a < b and b <= c`, each operand parsed once.
  const Expr *previous = llvm::cast<CompareExpr>(result.get())->rhs.get();
  while (std::optional<CompareOp> next = compareOp(tok().kind)) {
    SMLoc nextLoc = tok().getLoc();
    consume();
    ExprPtr operand = parseBinary(0);
    if (!operand)
      return nullptr;
    const Expr *right = operand.get();
    auto link = std::make_unique<CompareExpr>(nextLoc, *next, nullptr, std::move(operand),
                                              previous);
    result = std::make_unique<BoolOpExpr>(nextLoc, /*isAnd=*/true, std::move(result),
                                          std::move(link));
    previous = right;
  }
  return result;
}

/// Binary operator levels from loosest to tightest: | ^ & shifts + *.
ExprPtr Parser::parseBinary(int level) {
  if (level == 6)
    return parseFactor();
  ExprPtr lhs = parseBinary(level + 1);
  unsigned chain = 0;
  while (lhs) {
    if (++chain > kMaxChain) {
      error(tok().getLoc(), "expression too long");
      return nullptr;
    }
    std::optional<BinaryOp> op;
    TokenKind kind = tok().kind;
    switch (level) {
    case 0: if (kind == TokenKind::Pipe) op = BinaryOp::BitOr; break;
    case 1: if (kind == TokenKind::Caret) op = BinaryOp::BitXor; break;
    case 2: if (kind == TokenKind::Amp) op = BinaryOp::BitAnd; break;
    case 3:
      if (kind == TokenKind::LeftShift) op = BinaryOp::Shl;
      else if (kind == TokenKind::RightShift) op = BinaryOp::Shr;
      break;
    case 4:
      if (kind == TokenKind::Plus) op = BinaryOp::Add;
      else if (kind == TokenKind::Minus) op = BinaryOp::Sub;
      break;
    case 5:
      if (kind == TokenKind::Star) op = BinaryOp::Mul;
      else if (kind == TokenKind::Slash) op = BinaryOp::Div;
      else if (kind == TokenKind::DoubleSlash) op = BinaryOp::FloorDiv;
      else if (kind == TokenKind::Percent) op = BinaryOp::Mod;
      break;
    }
    if (!op)
      break;
    SMLoc loc = tok().getLoc();
    consume();
    ExprPtr rhs = parseBinary(level + 1);
    if (!rhs)
      return nullptr;
    lhs = std::make_unique<BinaryExpr>(loc, *op, std::move(lhs), std::move(rhs));
  }
  return lhs;
}

ExprPtr Parser::parseFactor() {
  NestingGuard guard(*this);
  if (guard.tooDeep())
    return nullptr;
  SMLoc loc = tok().getLoc();
  std::optional<UnaryOp> op;
  if (is(TokenKind::Minus)) op = UnaryOp::Neg;
  else if (is(TokenKind::Plus)) op = UnaryOp::Plus;
  else if (is(TokenKind::Tilde)) op = UnaryOp::Invert;
  if (!op)
    return parsePower();
  consume();
  ExprPtr operand = parseFactor();
  if (!operand)
    return nullptr;
  return std::make_unique<UnaryExpr>(loc, *op, std::move(operand));
}

ExprPtr Parser::parsePower() {
  ExprPtr base = parsePrimary();
  if (!base || !is(TokenKind::DoubleStar))
    return base;
  SMLoc loc = tok().getLoc();
  consume();
  ExprPtr exponent = parseFactor();
  if (!exponent)
    return nullptr;
  return std::make_unique<BinaryExpr>(loc, BinaryOp::Pow, std::move(base),
                                      std::move(exponent));
}

ExprPtr Parser::parsePrimary() {
  ExprPtr expr = parseAtom();
  unsigned chain = 0;
  while (expr) {
    if (++chain > kMaxChain) {
      error(tok().getLoc(), "expression too long");
      return nullptr;
    }
    if (consumeIf(TokenKind::Dot)) {
      if (!is(TokenKind::Identifier)) {
        error(tok().getLoc(), "expected an attribute name after '.', found " +
                                  describe(tok()));
        return nullptr;
      }
      expr = std::make_unique<AttributeExpr>(expr->getLoc(), std::move(expr),
                                             tok().spelling.str());
      consume();
      continue;
    }
    if (consumeIf(TokenKind::LParen)) {
      std::vector<ExprPtr> args;
      std::vector<KeywordArg> keywords;
      if (!parseCallArgs(args, keywords))
        return nullptr;
      SMLoc callLoc = expr->getLoc();
      expr = std::make_unique<CallExpr>(callLoc, std::move(expr), std::move(args),
                                        std::move(keywords));
      continue;
    }
    if (consumeIf(TokenKind::LBracket)) {
      std::vector<ExprPtr> indices;
      if (is(TokenKind::RBracket)) {
        error(tok().getLoc(), "expected an index inside '[]'");
        return nullptr;
      }
      while (!is(TokenKind::RBracket)) {
        ExprPtr item = parseSubscriptItem();
        if (!item)
          return nullptr;
        indices.push_back(std::move(item));
        if (!consumeIf(TokenKind::Comma))
          break;
      }
      if (!expect(TokenKind::RBracket, "after the indices"))
        return nullptr;
      SMLoc baseLoc = expr->getLoc();
      // TileLang's subscript spelling of a tensor type, `T.Tensor[shape,
      // dtype]`, is the call `T.Tensor(shape, dtype)`.
      if (auto *attr = llvm::dyn_cast<AttributeExpr>(expr.get());
          attr && (attr->name == "Tensor" || attr->name == "Buffer") &&
          llvm::none_of(indices, [](const ExprPtr &e) { return llvm::isa<SliceExpr>(*e); })) {
        expr = std::make_unique<CallExpr>(baseLoc, std::move(expr), std::move(indices),
                                          std::vector<KeywordArg>());
        continue;
      }
      expr = std::make_unique<SubscriptExpr>(baseLoc, std::move(expr),
                                             std::move(indices));
      continue;
    }
    break;
  }
  return expr;
}

ExprPtr Parser::parseSubscriptItem() {
  SMLoc loc = tok().getLoc();
  ExprPtr lower, upper, step;
  if (!is(TokenKind::Colon)) {
    lower = parseTest();
    if (!lower)
      return nullptr;
    if (!is(TokenKind::Colon))
      return lower;
  }
  consume(); // ':'
  if (!is(TokenKind::Comma) && !is(TokenKind::RBracket) && !is(TokenKind::Colon)) {
    upper = parseTest();
    if (!upper)
      return nullptr;
  }
  if (consumeIf(TokenKind::Colon) && !is(TokenKind::Comma) &&
      !is(TokenKind::RBracket)) {
    step = parseTest();
    if (!step)
      return nullptr;
  }
  return std::make_unique<SliceExpr>(loc, std::move(lower), std::move(upper),
                                     std::move(step));
}

bool Parser::parseCallArgs(std::vector<ExprPtr> &args,
                           std::vector<KeywordArg> &keywords) {
  while (!is(TokenKind::RParen)) {
    if (is(TokenKind::Star) || is(TokenKind::DoubleStar)) {
      error(tok().getLoc(), "argument unpacking is not supported");
      return false;
    }
    if (is(TokenKind::Identifier) && peek().is(TokenKind::Assign)) {
      KeywordArg keyword;
      keyword.loc = tok().getLoc();
      keyword.name = tok().spelling.str();
      consume();
      consume();
      for (const KeywordArg &other : keywords)
        if (other.name == keyword.name) {
          error(keyword.loc, "keyword argument '" + keyword.name +
                                 "' given twice");
          return false;
        }
      keyword.value = parseTest();
      if (!keyword.value)
        return false;
      keywords.push_back(std::move(keyword));
    } else {
      if (!keywords.empty()) {
        error(tok().getLoc(), "positional argument follows keyword argument");
        return false;
      }
      ExprPtr arg = parseTest();
      if (!arg)
        return false;
      if (is(TokenKind::KwFor)) { // sum(x for x in xs)
        arg = parseComprehension(std::move(arg));
        if (!arg)
          return false;
      }
      args.push_back(std::move(arg));
    }
    if (!consumeIf(TokenKind::Comma))
      break;
  }
  return expect(TokenKind::RParen, "to close the argument list");
}

ExprPtr Parser::parseNumber() {
  SMLoc loc = tok().getLoc();
  std::string text;
  for (char c : tok().spelling)
    if (c != '_')
      text += c;
  bool isFloat = is(TokenKind::Float);
  consume();
  if (isFloat) {
    double value = 0;
    if (llvm::StringRef(text).getAsDouble(value)) {
      error(loc, "invalid float literal '" + text + "'");
      return nullptr;
    }
    return std::make_unique<FloatExpr>(loc, value);
  }
  uint64_t value = 0;
  if (llvm::StringRef(text).getAsInteger(0, value) ||
      value > static_cast<uint64_t>(INT64_MAX)) {
    error(loc, "integer literal '" + text + "' does not fit in 64 bits");
    return nullptr;
  }
  return std::make_unique<IntExpr>(loc, static_cast<int64_t>(value));
}

ExprPtr Parser::parseComprehension(ExprPtr element) {
  SMLoc loc = element->getLoc();
  consume(); // for
  std::vector<std::pair<SMLoc, std::string>> targets;
  do {
    if (!is(TokenKind::Identifier)) {
      error(tok().getLoc(), "expected a name after 'for', found " + describe(tok()));
      return nullptr;
    }
    targets.push_back({tok().getLoc(), tok().spelling.str()});
    consume();
  } while (consumeIf(TokenKind::Comma));
  if (!expect(TokenKind::KwIn, "after a comprehension's names"))
    return nullptr;
  ExprPtr iterable = parseOrTest();
  if (!iterable)
    return nullptr;
  ExprPtr condition;
  if (consumeIf(TokenKind::KwIf)) {
    condition = parseOrTest();
    if (!condition)
      return nullptr;
  }
  if (is(TokenKind::KwFor)) {
    error(tok().getLoc(), "a comprehension takes one 'for'");
    return nullptr;
  }
  return std::make_unique<ComprehensionExpr>(loc, std::move(element), std::move(targets),
                                             std::move(iterable), std::move(condition));
}

ExprPtr Parser::parseAtom() {
  SMLoc loc = tok().getLoc();
  switch (tok().kind) {
  case TokenKind::Identifier: {
    std::string name = tok().spelling.str();
    consume();
    return std::make_unique<NameExpr>(loc, std::move(name));
  }
  case TokenKind::Integer:
  case TokenKind::Float:
    return parseNumber();
  case TokenKind::String: {
    std::string value;
    bool formatted = false;
    while (is(TokenKind::String)) { // adjacent literals concatenate
      formatted |= tok().spelling.starts_with_insensitive("f");
      value += tok().stringValue;
      consume();
    }
    auto literal = std::make_unique<StringExpr>(loc, std::move(value));
    literal->formatted = formatted;
    return literal;
  }
  case TokenKind::KwTrue:
  case TokenKind::KwFalse: {
    bool value = is(TokenKind::KwTrue);
    consume();
    return std::make_unique<BoolExpr>(loc, value);
  }
  case TokenKind::KwNone:
    consume();
    return std::make_unique<NoneExpr>(loc);
  case TokenKind::LParen: {
    consume();
    if (consumeIf(TokenKind::RParen))
      return std::make_unique<SequenceExpr>(Expr::Kind::Tuple, loc,
                                            std::vector<ExprPtr>{});
    ExprPtr first = parseTest();
    if (!first)
      return nullptr;
    if (is(TokenKind::KwFor)) { // (x for x in xs)
      first = parseComprehension(std::move(first));
      if (!first || !expect(TokenKind::RParen, "to close the generator"))
        return nullptr;
      return first;
    }
    if (consumeIf(TokenKind::RParen))
      return first;
    std::vector<ExprPtr> elements;
    elements.push_back(std::move(first));
    while (consumeIf(TokenKind::Comma)) {
      if (is(TokenKind::RParen))
        break;
      ExprPtr next = parseTest();
      if (!next)
        return nullptr;
      elements.push_back(std::move(next));
    }
    if (!expect(TokenKind::RParen, "to close the parenthesis"))
      return nullptr;
    return std::make_unique<SequenceExpr>(Expr::Kind::Tuple, loc,
                                          std::move(elements));
  }
  case TokenKind::LBracket: {
    consume();
    std::vector<ExprPtr> elements;
    while (!is(TokenKind::RBracket)) {
      ExprPtr next = parseTest();
      if (!next)
        return nullptr;
      if (elements.empty() && is(TokenKind::KwFor)) { // [x for x in xs]
        next = parseComprehension(std::move(next));
        if (!next || !expect(TokenKind::RBracket, "to close the list"))
          return nullptr;
        return next;
      }
      elements.push_back(std::move(next));
      if (!consumeIf(TokenKind::Comma))
        break;
    }
    if (!expect(TokenKind::RBracket, "to close the list"))
      return nullptr;
    return std::make_unique<SequenceExpr>(Expr::Kind::List, loc,
                                          std::move(elements));
  }
  case TokenKind::LBrace: {
    consume();
    std::vector<ExprPtr> keys, values;
    while (!is(TokenKind::RBrace)) {
      ExprPtr key = parseTest();
      if (!key || !expect(TokenKind::Colon, "after a dictionary key"))
        return nullptr;
      ExprPtr value = parseTest();
      if (!value)
        return nullptr;
      keys.push_back(std::move(key));
      values.push_back(std::move(value));
      if (!consumeIf(TokenKind::Comma))
        break;
    }
    if (!expect(TokenKind::RBrace, "to close the dictionary"))
      return nullptr;
    return std::make_unique<DictExpr>(loc, std::move(keys), std::move(values));
  }
  case TokenKind::Dot:
    // `...`, Python's Ellipsis (in annotations: `Callable[..., Any]`).
    if (peek().kind == TokenKind::Dot && peek(2).kind == TokenKind::Dot) {
      consume();
      consume();
      consume();
      return std::make_unique<NameExpr>(loc, "Ellipsis");
    }
    error(loc, "expected an expression, found " + describe(tok()));
    return nullptr;
  case TokenKind::Error:
    // The lexer already reported it.
    consume();
    return nullptr;
  default:
    error(loc, "expected an expression, found " + describe(tok()));
    return nullptr;
  }
}

std::unique_ptr<ModuleAST> tilec::frontend::parseModule(SourceContext &source,
                                                        unsigned bufferId) {
  Lexer lexer(source, bufferId);
  std::vector<Token> tokens = lexer.tokenize();
  Parser parser(source, std::move(tokens));
  auto module = std::make_unique<ModuleAST>();
  module->path =
      source.getSourceMgr().getMemoryBuffer(bufferId)->getBufferIdentifier().str();
  module->body = parser.parseFile();
  return module;
}
