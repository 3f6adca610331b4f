using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing.Processors.Quantization;

namespace DeepDream.Sequences.Media;

/// <summary>
/// Writes an animated GIF (looping forever) one frame at a time, so memory does not grow with the frame count: each frame
/// is quantised to its own 256-colour palette by ImageSharp (Wu quantiser, dithered), and its image block is appended to
/// the file with that palette as a local colour table. The file is written under a temporary name and renamed by
/// <see cref="Complete"/>.
/// </summary>
public sealed class GifFileSink : IFrameSink
{
    private static readonly byte[] Netscape = "NETSCAPE2.0"u8.ToArray();
    private readonly string _path;
    private readonly string _temporary;
    private readonly int _width;
    private readonly int _height;
    private readonly ushort _delay;
    private readonly GifEncoder _encoder = new() { ColorTableMode = GifColorTableMode.Global, Quantizer = new WuQuantizer() };
    private Stream? _stream;
    private int _frames;

    /// <summary>Creates the temporary file next to <paramref name="path"/> and writes the GIF header.</summary>
    /// <param name="path">The GIF to write; its folder must exist.</param>
    /// <param name="width">Frame width.</param>
    /// <param name="height">Frame height.</param>
    /// <param name="rate">The frame rate; GIF delays are whole hundredths of a second (at least 2), so it is rounded.</param>
    /// <exception cref="FrameSinkException">The file cannot be created.</exception>
    public GifFileSink(string path, int width, int height, FrameRate rate)
        : this(path, width, height, rate, temporary => new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024))
    {
    }

    /// <summary>The sink, writing the temporary file through the stream <paramref name="create"/> opens (tests give one that fails).</summary>
    internal GifFileSink(string path, int width, int height, FrameRate rate, Func<string, Stream> create)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (width is < 1 or > ushort.MaxValue || height is < 1 or > ushort.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(width), $"A GIF is at most 65535 pixels a side, got {width}x{height}.");
        _path = Path.GetFullPath(path);
        _width = width;
        _height = height;
        _delay = DelayOf(rate);
        _temporary = AtomicFile.TemporaryNameFor(_path);
        try
        {
            _stream = create(_temporary);
            _stream.Write("GIF89a"u8);
            WriteUInt16(_stream, (ushort)width);
            WriteUInt16(_stream, (ushort)height);
            _stream.Write([0x70, 0, 0]); // no global colour table, 8-bit colour resolution, background 0, square pixels
            _stream.Write([0x21, 0xFF, 0x0B]);
            _stream.Write(Netscape);
            _stream.Write([0x03, 0x01, 0x00, 0x00, 0x00]); // loop forever
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Discard();
            throw new FrameSinkException($"Cannot write the GIF '{_path}': {e.Message}", e);
        }
    }

    /// <summary>The delay between frames in hundredths of a second: 100 / fps rounded, at least 2 (browsers slow down smaller delays).</summary>
    /// <param name="rate">The frame rate.</param>
    /// <returns>The delay.</returns>
    public static ushort DelayOf(FrameRate rate) => (ushort)Math.Clamp(Math.Round(100 / rate.Value), 2, ushort.MaxValue);

    /// <inheritdoc />
    public void Write(Image<Rgb24> frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var stream = _stream ?? throw new ObjectDisposedException(nameof(GifFileSink));
        if (frame.Width != _width || frame.Height != _height)
            throw new ArgumentException($"The frame is {frame.Width}x{frame.Height} but the GIF is {_width}x{_height}.", nameof(frame));
        using var single = new MemoryStream();
        frame.Save(single, _encoder);
        try
        {
            AppendImageBlock(single.GetBuffer().AsSpan(0, (int)single.Length), stream, _delay);
            _frames++;
        }
        catch (IOException e)
        {
            throw new FrameSinkException($"Cannot write the GIF '{_path}': {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public void Complete()
    {
        var stream = _stream ?? throw new ObjectDisposedException(nameof(GifFileSink));
        if (_frames == 0) throw new InvalidOperationException("A GIF needs at least one frame.");
        try
        {
            stream.WriteByte(0x3B);
            if (stream is FileStream file) file.Flush(flushToDisk: true);
            else stream.Flush();
            stream.Dispose();
            _stream = null;
            File.Move(_temporary, _path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Discard();
            throw new FrameSinkException($"Cannot write the GIF '{_path}': {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public void Dispose() => Discard();

    /// <summary>
    /// Closes and deletes the temporary file. Closing flushes what is buffered, which fails again on a full disk: that
    /// failure is dropped, so the error that made the caller give up (a frame that could not be written) is the one reported.
    /// </summary>
    private void Discard()
    {
        try
        {
            _stream?.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The file is deleted below whatever its content.
        }
        _stream = null;
        AtomicFile.TryDelete(_temporary);
    }

    /// <summary>
    /// Copies the image block of a one-frame GIF to <paramref name="output"/>, preceded by a graphic control extension
    /// with the delay, and with the file's global colour table turned into the block's local one.
    /// </summary>
    internal static void AppendImageBlock(ReadOnlySpan<byte> gif, Stream output, ushort delay)
    {
        if (gif.Length < 13 || !gif[..3].SequenceEqual("GIF"u8)) throw new InvalidDataException("The encoder did not produce a GIF.");
        var screenPacked = gif[10];
        var position = 13;
        ReadOnlySpan<byte> globalTable = default;
        if ((screenPacked & 0x80) != 0)
        {
            var size = 3 << ((screenPacked & 0x07) + 1);
            globalTable = gif.Slice(position, size);
            position += size;
        }
        while (position < gif.Length)
        {
            var introducer = gif[position];
            if (introducer == 0x21)
            {
                position = SkipSubBlocks(gif, position + 2);
                continue;
            }
            if (introducer != 0x2C) break;
            var descriptor = gif.Slice(position + 1, 9);
            position += 10;
            var packed = descriptor[8];
            ReadOnlySpan<byte> table;
            if ((packed & 0x80) != 0)
            {
                var size = 3 << ((packed & 0x07) + 1);
                table = gif.Slice(position, size);
                position += size;
            }
            else
            {
                if (globalTable.IsEmpty) throw new InvalidDataException("The encoded frame has no colour table.");
                table = globalTable;
                packed = (byte)((packed & 0x40) | 0x80 | (screenPacked & 0x07));
            }
            var dataStart = position;
            var dataEnd = SkipSubBlocks(gif, position + 1); // LZW minimum code size, then the data sub-blocks
            output.Write([0x21, 0xF9, 0x04, 0x04, (byte)(delay & 0xFF), (byte)(delay >> 8), 0x00, 0x00]); // keep the previous frame under this one
            output.WriteByte(0x2C);
            output.Write(descriptor[..8]);
            output.WriteByte(packed);
            output.Write(table);
            output.Write(gif[dataStart..dataEnd]);
            return;
        }
        throw new InvalidDataException("The encoded GIF holds no image.");
    }

    private static int SkipSubBlocks(ReadOnlySpan<byte> gif, int position)
    {
        while (true)
        {
            var size = gif[position];
            position += 1 + size;
            if (size == 0) return position;
        }
    }

    private static void WriteUInt16(Stream stream, ushort value)
    {
        stream.WriteByte((byte)(value & 0xFF));
        stream.WriteByte((byte)(value >> 8));
    }
}
