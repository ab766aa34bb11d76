//===- LexerTest.cpp - tokens, indentation and lexical errors -------------===//

#include "frontend/Lexer.h"

#include "mlir/IR/Diagnostics.h"
#include "llvm/Support/MemoryBuffer.h"

#include <catch2/catch.hpp>

using namespace tilec::frontend;

namespace {
struct Lexed {
  std::vector<TokenKind> kinds;
  std::vector<std::string> spellings;
  std::vector<std::string> strings;
  unsigned errors = 0;
};

Lexed lex(const std::string &text) {
  mlir::MLIRContext context;
  llvm::SourceMgr sourceMgr;
  mlir::ScopedDiagnosticHandler handler(&context, [](mlir::Diagnostic &) {
    return mlir::success();
  });
  unsigned id = sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(text, "lex.tl"), llvm::SMLoc());
  SourceContext source(sourceMgr, context);
  Lexed result;
  for (const Token &token : Lexer(source, id).tokenize()) {
    result.kinds.push_back(token.kind);
    result.spellings.push_back(token.spelling.str());
    if (token.is(TokenKind::String))
      result.strings.push_back(token.stringValue);
  }
  result.errors = source.getNumErrors();
  return result;
}
} // namespace

TEST_CASE("blocks produce INDENT and DEDENT", "[lexer]") {
  Lexed l = lex("if x:\n    y = 1\nz\n");
  std::vector<TokenKind> expected = {
      TokenKind::KwIf,   TokenKind::Identifier, TokenKind::Colon,
      TokenKind::Newline, TokenKind::Indent,    TokenKind::Identifier,
      TokenKind::Assign, TokenKind::Integer,    TokenKind::Newline,
      TokenKind::Dedent, TokenKind::Identifier, TokenKind::Newline,
      TokenKind::Eof};
  CHECK(l.kinds == expected);
  CHECK(l.errors == 0);
}

TEST_CASE("brackets join lines and comments vanish", "[lexer]") {
  Lexed l = lex("f(a,  # comment\n  b)\n");
  std::vector<TokenKind> expected = {
      TokenKind::Identifier, TokenKind::LParen, TokenKind::Identifier,
      TokenKind::Comma,      TokenKind::Identifier, TokenKind::RParen,
      TokenKind::Newline,    TokenKind::Eof};
  CHECK(l.kinds == expected);
}

TEST_CASE("longest operator wins", "[lexer]") {
  Lexed l = lex("a //= b ** c -> d != e\n");
  CHECK(l.kinds[1] == TokenKind::DoubleSlashAssign);
  CHECK(l.kinds[3] == TokenKind::DoubleStar);
  CHECK(l.kinds[5] == TokenKind::Arrow);
  CHECK(l.kinds[7] == TokenKind::NotEqual);
}

TEST_CASE("numbers and strings", "[lexer]") {
  Lexed l = lex("1 0x1F 1_000 2.5 1e-3 .5 'a\\tb' \"\"\"doc\nstring\"\"\"\n");
  CHECK(l.kinds[0] == TokenKind::Integer);
  CHECK(l.kinds[1] == TokenKind::Integer);
  CHECK(l.kinds[2] == TokenKind::Integer);
  CHECK(l.kinds[3] == TokenKind::Float);
  CHECK(l.kinds[4] == TokenKind::Float);
  CHECK(l.kinds[5] == TokenKind::Float);
  REQUIRE(l.strings.size() == 2);
  CHECK(l.strings[0] == "a\tb");
  CHECK(l.strings[1] == "doc\nstring");
}

TEST_CASE("lexical errors are reported and lexing goes on", "[lexer]") {
  Lexed l = lex("x = $\ny = 'open\nz = 12abc\n");
  CHECK(l.errors == 3);
  CHECK(l.kinds.back() == TokenKind::Eof);
}

TEST_CASE("inconsistent dedent is an error", "[lexer]") {
  Lexed l = lex("if a:\n        b\n    c\n");
  CHECK(l.errors == 1);
}
