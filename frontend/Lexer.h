//===- Lexer.h - tokens of the tile language --------------------*- C++ -*-===//
//
// Splits a `.tl` buffer into Python tokens, with INDENT/DEDENT for blocks and
// implicit line joining inside brackets. Errors go through the frontend's
// diagnostic sink with the exact source position.
//
//===----------------------------------------------------------------------===//

#ifndef TILEC_FRONTEND_LEXER_H
#define TILEC_FRONTEND_LEXER_H

#include "frontend/SourceContext.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SMLoc.h"

#include <vector>

namespace tilec::frontend {

/// The kinds of token the parser sees.
enum class TokenKind {
  Eof,
  Error,
  Newline,
  Indent,
  Dedent,
  Identifier,
  Integer,
  Float,
  String,
  // Keywords.
  KwDef, KwIf, KwElif, KwElse, KwFor, KwIn, KwWhile, KwWith, KwAs, KwReturn,
  KwBreak, KwContinue, KwPass, KwAnd, KwOr, KwNot, KwTrue, KwFalse, KwNone,
  KwImport, KwFrom, KwIs, KwLambda, KwAssert, KwRaise,
  // Punctuation and operators.
  LParen, RParen, LBracket, RBracket, LBrace, RBrace, Comma, Colon, Dot,
  Semicolon, At, Arrow, Assign, Plus, Minus, Star, DoubleStar, Slash,
  DoubleSlash, Percent, Tilde, Amp, Pipe, Caret, LeftShift, RightShift,
  Less, Greater, LessEqual, GreaterEqual, EqualEqual, NotEqual,
  PlusAssign, MinusAssign, StarAssign, SlashAssign, DoubleSlashAssign,
  PercentAssign, DoubleStarAssign, AmpAssign, PipeAssign, CaretAssign,
  LeftShiftAssign, RightShiftAssign,
};

/// A token: its kind, its text in the buffer and, for strings, the decoded
/// value.
struct Token {
  TokenKind kind = TokenKind::Eof;
  llvm::StringRef spelling;
  std::string stringValue;

  llvm::SMLoc getLoc() const {
    return llvm::SMLoc::getFromPointer(spelling.data());
  }
  bool is(TokenKind k) const { return kind == k; }
};

/// A printable name for a token kind, for "expected X" messages.
const char *tokenKindName(TokenKind kind);

/// Tokenizes a whole buffer up front; Python's indentation rules make a
/// look-ahead-free stream awkward, and files are small.
class Lexer {
public:
  Lexer(SourceContext &source, unsigned bufferId);

  /// All tokens, ending with Newline, Dedents and Eof. Lexical errors are
  /// reported and produce Error tokens, so the parser can go on.
  std::vector<Token> tokenize();

private:
  void lexLine();
  void emitToken(TokenKind kind, const char *start, const char *end);
  bool lexNumber(const char *start);
  bool lexString(const char *start);
  void lexError(const char *where, const llvm::Twine &message);

  SourceContext &source;
  llvm::StringRef buffer;
  const char *cur;
  std::vector<Token> tokens;
  std::vector<unsigned> indentStack{0};
  int bracketDepth = 0;
  /// The outermost bracket still open, for "was never closed".
  const char *openBracket = nullptr;
};

} // namespace tilec::frontend

#endif // TILEC_FRONTEND_LEXER_H
