// What every live view shares, put in front of its own module by ui/components/loader.py: the reader of the
// frame format (dl_core/analyses/frames.py, whose ``decode`` reads it the same way) and the Play/Pause button.

// [uint32 header length][header JSON][blobs], each blob a typed array named in the header
function decode(received) {
  const bytes = received.slice(); // its own buffer: the arrays below need 4-byte-aligned offsets
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length)));
  const base = bytes.byteOffset + 4 + length;
  const kinds = { int8: Int8Array, uint8: Uint8Array, float32: Float32Array, int32: Int32Array };
  const blobs = {};
  for (const [name, [offset, size, dtype, shape]] of Object.entries(header.blobs)) {
    const Kind = kinds[dtype];
    blobs[name] = { data: new Kind(bytes.buffer, base + offset, size / Kind.BYTES_PER_ELEMENT), shape };
  }
  return { header, blobs };
}

// The Play/Pause button of a live view. A click shows the new state at once (``onPause`` first shows everything
// received) and sends "play" or "pause"; frames the server sent before it saw the click still carry the old
// state, so for up to two seconds the click wins over them (``follow``).
class PlayButton {
  constructor(button, send, onPause) {
    this.button = button;
    this.playing = false;
    this.requested = null;
    button.addEventListener("click", () => {
      const playing = this.playing;
      this.requested = { playing: !playing, at: performance.now() };
      if (playing) onPause();
      this.show(!playing); // the server stops at its next tick
      send("command", playing ? "pause" : "play");
    });
  }

  show(playing) {
    this.playing = playing;
    this.button.textContent = playing ? "❚❚ Pause" : "▶ Play";
    this.button.classList.toggle("active", playing);
    this.button.setAttribute("aria-pressed", String(playing));
  }

  // what a frame says: shown unless a click the server has not seen yet says otherwise
  follow(playing) {
    const asked = this.requested;
    if (!asked || playing === asked.playing || performance.now() - asked.at > 2000) {
      this.requested = null;
      this.show(playing);
    }
  }

  // Pause clicked, and the server has not answered yet
  get pausing() {
    return Boolean(this.requested && !this.requested.playing);
  }
}
