# tracelint: the context-drop analyzer of lint/, built into bin/ and run
# over examples/ (clean except the notify-worker's deliberate, annotated
# drop). `make test` runs it; lint/'s own tests run with every module's.

.PHONY: tracelint tracelint-examples

tracelint:
	mkdir -p $(BIN) && cd lint && $(GO) build -o $(BIN)/tracelint ./cmd/tracelint

tracelint-examples: tracelint
	@echo "== tracelint (examples)"
	cd examples && $(BIN)/tracelint ./...
	cd examples && $(GO) vet -vettool=$(BIN)/tracelint ./...
