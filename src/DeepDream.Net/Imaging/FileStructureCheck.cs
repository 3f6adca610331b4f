namespace DeepDream.Imaging;

/// <summary>What a walk over a file's block structure found.</summary>
/// <param name="Truncation">Why the file is incomplete, or <see langword="null"/> when its end marker was reached.</param>
/// <param name="Note">A harmless oddity worth a warning (e.g. a GIF without its trailer byte), or <see langword="null"/>.</param>
/// <param name="FrameCount">The number of complete frames found (GIF only; 1 for other formats).</param>
/// <param name="Impossible">Why the data cannot hold the declared image (see <see cref="DataCapacity"/>), or <see langword="null"/>.</param>
internal readonly record struct StructureReport(string? Truncation, string? Note, int FrameCount, string? Impossible = null);

/// <summary>
/// Walks the block structure of PNG, JPEG and GIF files without decoding pixels, to detect files that end early.
/// ImageSharp 2.x decodes a JPEG whose scan data is cut off without complaint (the missing part comes out grey), so a
/// truncated file is only visible from its structure: PNG must reach its IEND chunk, JPEG its EOI marker (FFD9) after
/// the last scan, GIF must not end inside a frame. The walk also sums the compressed data of each frame or scan, so that a
/// header declaring more pixels than that data can hold is caught (<see cref="DataCapacity"/>). Reads forward only, in
/// 64 KiB blocks; never allocates per byte.
/// </summary>
internal static class FileStructureCheck
{
    /// <summary>Checks a PNG stream positioned at its start.</summary>
    public static StructureReport Png(Stream stream)
    {
        var reader = new ForwardReader(stream);
        if (!reader.Skip(8)) return new("the file ends inside the PNG signature", null, 1);
        Span<byte> header = stackalloc byte[8];
        Span<byte> ihdr = stackalloc byte[13];
        bool sawHeader = false;
        long idatBytes = 0;
        while (true)
        {
            if (!reader.Read(header))
            {
                return new("the file ends before the IEND chunk that closes every PNG (it was cut off while being written or downloaded)", null, 1);
            }

            uint length = (uint)(header[0] << 24 | header[1] << 16 | header[2] << 8 | header[3]);
            string type = System.Text.Encoding.ASCII.GetString(header[4..8]);
            if (type == "IEND")
            {
                var impossible = sawHeader ? DataCapacity.Png(ReadUInt32(ihdr), ReadUInt32(ihdr[4..]), ihdr[8], ihdr[9], idatBytes) : null;
                return new(null, null, 1, impossible);
            }

            if (length > int.MaxValue) return new($"chunk '{Printable(type)}' declares an impossible length of {length} bytes", null, 1);
            if (type == "IDAT") idatBytes += length;
            long rest = length + 4L;
            if (type == "IHDR" && length == 13 && !sawHeader)
            {
                if (!reader.Read(ihdr)) return new("the file ends inside the 'IHDR' chunk (it was cut off while being written or downloaded)", null, 1);
                sawHeader = true;
                rest = 4;
            }

            if (!reader.Skip(rest))
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
        var layout = new JpegLayout();

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

            if (marker == 0xD9) return new(null, null, 1, layout.Impossible());
            int current = marker;
            marker = -1;
            if (current == 0x01 || current is >= 0xD0 and <= 0xD7) continue; // Stand-alone markers.

            int hi = reader.ReadByte(), lo = reader.ReadByte();
            if (lo < 0) return new(Cut, null, 1);
            int length = hi << 8 | lo;
            if (length < 2) return new($"a JPEG segment (marker FF{current:X2}) declares an impossible length of {length}", null, 1);
            bool isFrame = current is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC;
            if (!isFrame && current != 0xDA)
            {
                if (!reader.Skip(length - 2)) return new(Cut, null, 1);
                continue;
            }

            // Frame and scan headers are read (at most 64 KiB): they say how much data the scans must hold.
            var payload = new byte[length - 2];
            if (!reader.Read(payload)) return new(Cut, null, 1);
            if (isFrame)
            {
                layout.SetFrame(payload);
                continue;
            }

            // Entropy-coded data follows a start-of-scan header: 0xFF is stuffed as FF00, restart markers FFD0..FFD7
            // may appear; any other FFxx ends the scan.
            long start = reader.Consumed;
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

            layout.AddScan(payload, reader.Consumed - 2 - start);
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
        string? impossible = null;
        Span<byte> descriptor = stackalloc byte[9];
        while (true)
        {
            int block = reader.ReadByte();
            switch (block)
            {
                case 0x3B:
                    return new(null, null, frames, impossible);
                case < 0:
                    return frames > 0
                        ? new(null, "the GIF has no trailer byte after its last frame (harmless)", frames, impossible)
                        : new("the file ends before the first GIF frame", null, 0);
                case 0x21:
                    if (reader.ReadByte() < 0 || SkipSubBlocks(reader) < 0) return Cut(frames);
                    break;
                case 0x2C:
                    if (!reader.Read(descriptor)) return Cut(frames);
                    if ((descriptor[8] & 0x80) != 0 && !reader.Skip(3L << ((descriptor[8] & 7) + 1))) return Cut(frames);
                    int codeSize = reader.ReadByte();
                    long data = codeSize < 0 ? -1 : SkipSubBlocks(reader);
                    if (data < 0) return Cut(frames);
                    if (frames == 0)
                    {
                        // Only the first frame is decoded: it must be able to fill what the header declares.
                        impossible = DataCapacity.Gif(header[6] | header[7] << 8, header[8] | header[9] << 8,
                            descriptor[4] | descriptor[5] << 8, descriptor[6] | descriptor[7] << 8, data, codeSize);
                    }

                    frames++;
                    break;
                default:
                    // An unknown block: decoders stop here too; report what was found so far.
                    return frames > 0
                        ? new(null, $"the GIF contains an unknown block (0x{block:X2}) after frame {frames}; the rest is ignored", frames, impossible)
                        : new($"the GIF contains an unknown block (0x{block:X2}) before its first frame", null, 0);
            }
        }

        static StructureReport Cut(int frames) =>
            new($"the file ends inside GIF frame {frames + 1} (it was cut off while being written or downloaded)", null, frames);
    }

    /// <summary>Skips a chain of sub-blocks; returns the bytes of data they held, or -1 when the file ends inside.</summary>
    private static long SkipSubBlocks(ForwardReader reader)
    {
        long total = 0;
        while (true)
        {
            int size = reader.ReadByte();
            if (size < 0) return -1;
            if (size == 0) return total;
            if (!reader.Skip(size)) return -1;
            total += size;
        }
    }

    private static uint ReadUInt32(ReadOnlySpan<byte> b) => (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);

    private static string Printable(string type) =>
        type.All(c => c is >= 'A' and <= 'Z' or >= 'a' and <= 'z') ? type : "?";
}
