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

// the Play button as Pause while playing
function markPlaying(button, playing) {
  button.textContent = playing ? "❚❚ Pause" : "▶ Play";
  button.classList.toggle("active", playing);
  button.setAttribute("aria-pressed", String(playing));
}
