using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace DeepDream.Tests.Imaging;

/// <summary>A temporary folder deleted with everything in it on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "deepdream-imaging-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Leave it to the OS temp cleaner.
        }
    }
}

/// <summary>Hand-made image files for cases ImageSharp cannot write.</summary>
internal static class TestFiles
{
    /// <summary>
    /// A small, structurally valid PNG whose IHDR declares <paramref name="width"/>×<paramref name="height"/> RGB pixels,
    /// with a tiny IDAT (a few hundred zero bytes deflated) and IEND: a decompression bomb as far as the header goes.
    /// </summary>
    public static byte[] PngWithHeader(int width, int height)
    {
        using var output = new MemoryStream();
        output.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(0), width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = 2; // colour type RGB
        WriteChunk(output, "IHDR", ihdr);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                zlib.Write(new byte[512]);
            }

            WriteChunk(output, "IDAT", compressed.ToArray());
        }

        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>A PNG chunk: length, type, data, CRC-32 over type and data.</summary>
    public static void WriteChunk(Stream output, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        output.Write(word);
        byte[] typeBytes = Encoding.ASCII.GetBytes(type);
        output.Write(typeBytes);
        output.Write(data);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32([.. typeBytes, .. data]));
        output.Write(word);
    }

    /// <summary>CRC-32 (IEEE 802.3, reflected, polynomial 0xEDB88320) as PNG uses it.</summary>
    public static uint Crc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }

        return ~crc;
    }

    /// <summary>
    /// A GIF89a (35 bytes) whose logical screen declares <paramref name="width"/>×<paramref name="height"/> but that holds
    /// a single frame whose descriptor says <paramref name="frameWidth"/>×<paramref name="frameHeight"/> and whose data is
    /// one pixel (LZW codes CLEAR, 0, EOI with a 2-bit minimum code size → bytes 0x44 0x01).
    /// </summary>
    public static byte[] GifWithScreen(ushort width, ushort height, ushort frameWidth = 1, ushort frameHeight = 1)
    {
        var bytes = new List<byte>();
        bytes.AddRange("GIF89a"u8.ToArray());
        bytes.AddRange([(byte)width, (byte)(width >> 8), (byte)height, (byte)(height >> 8), 0x80, 0, 0]);
        bytes.AddRange([0, 0, 0, 255, 255, 255]); // global colour table: black, white
        // image descriptor at (0,0), 1×1 unless told otherwise
        bytes.AddRange([0x2C, 0, 0, 0, 0, (byte)frameWidth, (byte)(frameWidth >> 8), (byte)frameHeight, (byte)(frameHeight >> 8), 0]);
        bytes.AddRange([2, 2, 0x44, 0x01, 0]); // LZW minimum code size 2, one sub-block of 2 bytes, terminator
        bytes.Add(0x3B);
        return [.. bytes];
    }

    /// <summary>
    /// A baseline 8×8 four-component (CMYK) JPEG with an Adobe APP14 marker (transform 0, i.e. no colour transform),
    /// every component a constant: the stored byte values are <paramref name="c"/>, <paramref name="m"/>,
    /// <paramref name="y"/>, <paramref name="k"/> (Adobe convention: stored inverted, 255 = no ink). The quantisation
    /// table is all ones, so each block has only a DC coefficient 8·(v − 128) and an end-of-block; the Huffman tables
    /// give every DC category 0..11 a 4-bit code equal to the category and the AC end-of-block the 1-bit code 0.
    /// ImageSharp 2.x cannot write CMYK JPEGs (its encoder falls back to YCbCr), hence this hand-made file.
    /// </summary>
    public static byte[] CmykJpeg(byte c, byte m, byte y, byte k)
    {
        var output = new List<byte> { 0xFF, 0xD8 };
        void Segment(byte marker, params byte[] payload)
        {
            output.AddRange([0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2)]);
            output.AddRange(payload);
        }

        Segment(0xEE, [.. "Adobe"u8.ToArray(), 0x00, 0x64, 0, 0, 0, 0, 0]);
        Segment(0xDB, [0x00, .. Enumerable.Repeat((byte)1, 64)]);
        Segment(0xC0, [8, 0, 8, 0, 8, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]);
        var dcCounts = new byte[16];
        dcCounts[3] = 12; // twelve codes of length 4
        Segment(0xC4, [0x00, .. dcCounts, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        var acCounts = new byte[16];
        acCounts[0] = 1; // one code of length 1
        Segment(0xC4, [0x10, .. acCounts, 0x00]);
        Segment(0xDA, [4, 1, 0x00, 2, 0x00, 3, 0x00, 4, 0x00, 0, 63, 0]);

        var bits = new BitWriter();
        foreach (byte value in new[] { c, m, y, k })
        {
            int dc = 8 * (value - 128);
            int magnitude = Math.Abs(dc);
            int category = 0;
            while ((1 << category) <= magnitude) category++;
            bits.Write(category, 4);
            if (category > 0) bits.Write(dc >= 0 ? dc : dc + (1 << category) - 1, category);
            bits.Write(0, 1); // end of block
        }

        output.AddRange(bits.Finish());
        output.AddRange([0xFF, 0xD9]);
        return [.. output];
    }

    /// <summary>
    /// A baseline grayscale JPEG declaring <paramref name="width"/>×<paramref name="height"/> whose scan codes
    /// <paramref name="blocks"/> blocks (all of them when null) as mid-grey in the fewest bits the format allows: the DC
    /// and AC tables each have a single one-bit code (DC difference 0, end of block), so every block is two zero bits.
    /// With fewer blocks than the frame has, the scan is cut off but the file still ends with its end-of-image marker.
    /// </summary>
    public static byte[] GreyJpeg(int width, int height, long? blocks = null)
    {
        var output = new List<byte> { 0xFF, 0xD8 };
        void Segment(byte marker, params byte[] payload)
        {
            output.AddRange([0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2)]);
            output.AddRange(payload);
        }

        Segment(0xDB, [0x00, .. Enumerable.Repeat((byte)1, 64)]);
        Segment(0xC0, [8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 1, 1, 0x11, 0]);
        var oneCode = new byte[16];
        oneCode[0] = 1; // one code of length 1
        Segment(0xC4, [0x00, .. oneCode, 0x00]); // DC: category 0
        Segment(0xC4, [0x10, .. oneCode, 0x00]); // AC: end of block
        Segment(0xDA, [1, 1, 0x00, 0, 63, 0]);
        long count = blocks ?? (long)((width + 7) / 8) * ((height + 7) / 8);
        long bits = 2 * count;
        output.AddRange(new byte[bits / 8]);
        if (bits % 8 != 0) output.Add((byte)(0xFF >> (int)(bits % 8))); // pad the last byte with ones
        output.AddRange([0xFF, 0xD9]);
        return [.. output];
    }

    /// <summary>MSB-first bit packing with JPEG byte stuffing (0xFF → 0xFF 0x00) and 1-bit padding.</summary>
    private sealed class BitWriter
    {
        private readonly List<byte> _bytes = [];
        private int _accumulator;
        private int _count;

        public void Write(int value, int length)
        {
            for (int i = length - 1; i >= 0; i--)
            {
                _accumulator = (_accumulator << 1) | ((value >> i) & 1);
                if (++_count == 8) Flush();
            }
        }

        public List<byte> Finish()
        {
            while (_count != 0) Write(1, 1);
            return _bytes;
        }

        private void Flush()
        {
            _bytes.Add((byte)_accumulator);
            if (_accumulator == 0xFF) _bytes.Add(0x00);
            _accumulator = 0;
            _count = 0;
        }
    }
}
