namespace DeepDream.Imaging;

/// <summary>What a walk over a file's block structure found.</summary>
/// <param name="Truncation">Why the file is incomplete, or <see langword="null"/> when its end marker was reached.</param>
/// <param name="Note">A harmless oddity worth a warning (e.g. a GIF without its trailer byte), or <see langword="null"/>.</param>
/// <param name="FrameCount">The number of complete frames found (GIF only; 1 for other formats).</param>
internal readonly record struct StructureReport(string? Truncation, string? Note, int FrameCount);

/// <summary>
/// Walks the block structure of PNG, JPEG and GIF files without decoding pixels, to detect files that end early.
/// ImageSharp 2.x decodes a JPEG whose scan data is cut off without complaint (the missing part comes out grey), so a
/// truncated file is only visible from its structure: PNG must reach its IEND chunk, JPEG its EOI marker (FFD9) after
/// the last scan, GIF must not end inside a frame. Reads forward only, in 64 KiB blocks; never allocates per byte.
/// </summary>
internal static class FileStructureCheck
{
    /// <summary>Checks a PNG stream positioned at its start.</summary>
    public static StructureReport Png(Stream stream)
    {
        var reader = new ForwardReader(stream);
        if (!reader.Skip(8)) return new("the file ends inside the PNG signature", null, 1);
        Span<byte> header = stackalloc byte[8];
        while (true)
        {
            if (!reader.Read(header))
            {
                return new("the file ends before the IEND chunk that closes every PNG (it was cut off while being written or downloaded)", null, 1);
            }

            uint length = (uint)(header[0] << 24 | header[1] << 16 | header[2] << 8 | header[3]);
            string type = System.Text.Encoding.ASCII.GetString(header[4..8]);
            if (type == "IEND") return new(null, null, 1);
            if (length > int.MaxValue) return new($"chunk '{Printable(type)}' declares an impossible length of {length} bytes", null, 1);
            if (!reader.Skip(length + 4L))
            {
                return new($"the file ends inside the '{Printable(type)}' chunk (it was cut off while being written or downloaded)", null, 1);
            }
        }
    }

    /// <summary>Checks a JPEG stream positioned at its start.</summary>
    public static StructureReport Jpeg(Stream stream)
    {
        const string Cut = "the file ends before the JPEG end-of-image marker (FFD9); it was cut off while being written or downloaded";
        var reader = new ForwardReader(stream);
        if (reader.ReadByte() != 0xFF || reader.ReadByte() != 0xD8) return new("the file does not start with a JPEG start-of-image marker", null, 1);

        int marker = -1;
        while (true)
        {
            if (marker < 0)
            {
                // Find the next marker: 0xFF followed by a byte that is neither 0xFF (fill) nor 0x00.
                int b;
                do
                {
                    if (!reader.SkipTo(0xFF)) return new(Cut, null, 1);
                    reader.ReadByte();
                    do
                    {
                        b = reader.ReadByte();
                    }
                    while (b == 0xFF);
                    if (b < 0) return new(Cut, null, 1);
                }
                while (b == 0x00);
                marker = b;
            }

            if (marker == 0xD9) return new(null, null, 1);
            int current = marker;
            marker = -1;
            if (current == 0x01 || current is >= 0xD0 and <= 0xD7) continue; // Stand-alone markers.

            int hi = reader.ReadByte(), lo = reader.ReadByte();
            if (lo < 0) return new(Cut, null, 1);
            int length = hi << 8 | lo;
            if (length < 2) return new($"a JPEG segment (marker FF{current:X2}) declares an impossible length of {length}", null, 1);
            if (!reader.Skip(length - 2)) return new(Cut, null, 1);
            if (current != 0xDA) continue;

            // Entropy-coded data follows a start-of-scan header: 0xFF is stuffed as FF00, restart markers FFD0..FFD7
            // may appear; any other FFxx ends the scan.
            while (true)
            {
                if (!reader.SkipTo(0xFF)) return new(Cut, null, 1);
                reader.ReadByte();
                int next = reader.ReadByte();
                while (next == 0xFF) next = reader.ReadByte();
                if (next < 0) return new(Cut, null, 1);
                if (next == 0x00 || next is >= 0xD0 and <= 0xD7) continue;
                marker = next;
                break;
            }
        }
    }

    /// <summary>Checks a GIF stream positioned at its start and counts its frames.</summary>
    public static StructureReport Gif(Stream stream)
    {
        var reader = new ForwardReader(stream);
        Span<byte> header = stackalloc byte[13];
        if (!reader.Read(header)) return new("the file ends inside the GIF header", null, 0);
        if ((header[10] & 0x80) != 0 && !reader.Skip(3L << ((header[10] & 7) + 1)))
        {
            return new("the file ends inside the GIF global colour table", null, 0);
        }

        int frames = 0;
        Span<byte> descriptor = stackalloc byte[9];
        while (true)
        {
            int block = reader.ReadByte();
            switch (block)
            {
                case 0x3B:
                    return new(null, null, frames);
                case < 0:
                    return frames > 0
                        ? new(null, "the GIF has no trailer byte after its last frame (harmless)", frames)
                        : new("the file ends before the first GIF frame", null, 0);
                case 0x21:
                    if (reader.ReadByte() < 0 || !SkipSubBlocks(reader)) return Cut(frames);
                    break;
                case 0x2C:
                    if (!reader.Read(descriptor)) return Cut(frames);
                    if ((descriptor[8] & 0x80) != 0 && !reader.Skip(3L << ((descriptor[8] & 7) + 1))) return Cut(frames);
                    if (reader.ReadByte() < 0 || !SkipSubBlocks(reader)) return Cut(frames);
                    frames++;
                    break;
                default:
                    // An unknown block: decoders stop here too; report what was found so far.
                    return frames > 0
                        ? new(null, $"the GIF contains an unknown block (0x{block:X2}) after frame {frames}; the rest is ignored", frames)
                        : new($"the GIF contains an unknown block (0x{block:X2}) before its first frame", null, 0);
            }
        }

        static StructureReport Cut(int frames) =>
            new($"the file ends inside GIF frame {frames + 1} (it was cut off while being written or downloaded)", null, frames);
    }

    private static bool SkipSubBlocks(ForwardReader reader)
    {
        while (true)
        {
            int size = reader.ReadByte();
            if (size < 0) return false;
            if (size == 0) return true;
            if (!reader.Skip(size)) return false;
        }
    }

    private static string Printable(string type) =>
        type.All(c => c is >= 'A' and <= 'Z' or >= 'a' and <= 'z') ? type : "?";

    /// <summary>A forward-only buffered reader over a stream.</summary>
    private sealed class ForwardReader
    {
        private readonly Stream _stream;
        private readonly byte[] _buffer;
        private int _position;
        private int _count;

        public ForwardReader(Stream stream)
        {
            _stream = stream;
            _buffer = new byte[64 * 1024];
            _position = 0;
            _count = 0;
        }

        private bool Fill()
        {
            _count = _stream.Read(_buffer, 0, _buffer.Length);
            _position = 0;
            return _count > 0;
        }

        /// <summary>Returns the next byte, or -1 at the end of the stream.</summary>
        public int ReadByte()
        {
            if (_position >= _count && !Fill()) return -1;
            return _buffer[_position++];
        }

        /// <summary>Fills <paramref name="target"/>; false when the stream ends first.</summary>
        public bool Read(Span<byte> target)
        {
            int done = 0;
            while (done < target.Length)
            {
                if (_position >= _count && !Fill()) return false;
                int n = Math.Min(target.Length - done, _count - _position);
                _buffer.AsSpan(_position, n).CopyTo(target[done..]);
                _position += n;
                done += n;
            }

            return true;
        }

        /// <summary>Skips <paramref name="length"/> bytes; false when the stream ends first.</summary>
        public bool Skip(long length)
        {
            long inBuffer = _count - _position;
            if (length <= inBuffer)
            {
                _position += (int)length;
                return true;
            }

            length -= inBuffer;
            _position = _count;
            if (_stream.CanSeek)
            {
                long remaining = _stream.Length - _stream.Position;
                if (length > remaining)
                {
                    _stream.Seek(0, SeekOrigin.End);
                    return false;
                }

                _stream.Seek(length, SeekOrigin.Current);
                return true;
            }

            while (length > 0)
            {
                if (!Fill()) return false;
                int n = (int)Math.Min(length, _count);
                _position = n;
                length -= n;
            }

            return true;
        }

        /// <summary>Advances to the next occurrence of <paramref name="value"/> without consuming it; false at the end.</summary>
        public bool SkipTo(byte value)
        {
            while (true)
            {
                if (_position >= _count && !Fill()) return false;
                int index = _buffer.AsSpan(_position, _count - _position).IndexOf(value);
                if (index >= 0)
                {
                    _position += index;
                    return true;
                }

                _position = _count;
            }
        }
    }
}
