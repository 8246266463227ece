# Sourced by scripts/emulator*: makes tests/emulator/.venv match requirements.txt, then sets EMULATOR_DIR and
# EMULATOR_PYTHON. Installs only from PyPI, all output on stderr (stdout belongs to the caller).
EMULATOR_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
EMULATOR_VENV="$EMULATOR_DIR/.venv"
EMULATOR_PYTHON="$EMULATOR_VENV/bin/python"

emulator_ensure_venv() {
    local requirements="$EMULATOR_DIR/requirements.txt" stamp="$EMULATOR_VENV/.requirements.sha256" want
    want="$( (sha256sum "$requirements" 2>/dev/null || shasum -a 256 "$requirements") | cut -d' ' -f1)"
    if [ -x "$EMULATOR_PYTHON" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
        return 0
    fi
    mkdir -p "$EMULATOR_VENV"
    (
        # Two scripts starting at once must not install into the same venv concurrently.
        command -v flock >/dev/null && flock 9
        if [ -x "$EMULATOR_PYTHON" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
            exit 0
        fi
        echo "riposte-emulator: preparing $EMULATOR_VENV from requirements.txt" >&2
        "${PYTHON:-python3}" -m venv "$EMULATOR_VENV" >&2
        "$EMULATOR_PYTHON" -m pip install --disable-pip-version-check --quiet -r "$requirements" >&2
        echo "$want" > "$stamp"
    ) 9>"$EMULATOR_VENV/.lock"
}

emulator_ensure_venv || { echo "riposte-emulator: could not prepare $EMULATOR_VENV" >&2; exit 1; }
export PYTHONPATH="$EMULATOR_DIR${PYTHONPATH:+:$PYTHONPATH}"
