namespace DeepDream.Imaging;

/// <summary>
/// The most pixels a given amount of compressed image data can possibly describe, per format. A file whose header
/// declares more than its data could ever hold is damaged or crafted (a 633-byte JPEG declaring 10000×10000, a GIF
/// whose 1×1 frame sits on a 9000×9000 screen): decoders would allocate the declared size and fill it with grey, so such
/// files are refused before decoding. The bounds are the formats' theoretical best compression, so no genuine file —
/// not even a cut-off one that is mostly there — comes near them.
/// </summary>
internal static class DataCapacity
{
    /// <summary>Deflate's best ratio: a 258-byte match in 2 bits (1-bit length and distance codes) is 1032 bytes per byte.</summary>
    private const long DeflateRatio = 1032;

    /// <summary>LZW's dictionary holds 4096 strings, so no code stands for more than 4096 pixels.</summary>
    private const long LzwMaxString = 4096;

    /// <summary>A GIF screen may be larger than its first frame (the rest is background), but not by more than this factor…</summary>
    internal const long GifScreenFactor = 16;

    /// <summary>…unless it is at most this many pixels (1024×1024 with room).</summary>
    internal const long GifScreenFloor = 1L << 20;

    /// <summary>Whether <paramref name="idatBytes"/> of zlib data can inflate to a <paramref name="width"/>×<paramref name="height"/> PNG.</summary>
    public static string? Png(long width, long height, int bitDepth, int colorType, long idatBytes)
    {
        int channels = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => 0 };
        if (channels == 0 || bitDepth is < 1 or > 16 || width <= 0 || height <= 0) return null; // the decoder reports these
        // Filtered rows: one filter byte plus the packed samples (interlaced images need at least as much).
        long needed = height * (1 + ((width * channels * bitDepth) + 7) / 8);
        long possible = (idatBytes + 64) * DeflateRatio;
        return needed <= possible ? null
            : $"its {width}×{height} pixels need {needed} bytes of pixel data, but its {idatBytes} bytes of compressed data can hold at most {possible}";
    }

    /// <summary>
    /// The most pixels <paramref name="dataBytes"/> of GIF LZW data can decode to: every code is at least
    /// <c>minimumCodeSize + 1</c> bits, and the k-th code after a clear stands for at most k pixels (strings grow by one
    /// per code), never more than 4096.
    /// </summary>
    public static long GifPixels(long dataBytes, int minimumCodeSize)
    {
        long codes = dataBytes * 8 / Math.Max(2, minimumCodeSize + 1);
        if (codes <= LzwMaxString) return codes * (codes + 1) / 2;
        return (LzwMaxString * (LzwMaxString + 1) / 2) + ((codes - LzwMaxString) * LzwMaxString);
    }

    /// <summary>Whether a GIF's first frame can fill what its screen declares.</summary>
    public static string? Gif(long screenWidth, long screenHeight, long frameWidth, long frameHeight, long frameDataBytes, int minimumCodeSize)
    {
        long framePixels = frameWidth * frameHeight;
        long decodable = GifPixels(frameDataBytes, minimumCodeSize);
        if (framePixels > decodable)
            return $"its first frame declares {frameWidth}×{frameHeight} pixels, but its {frameDataBytes} bytes of LZW data can hold at most {decodable}";
        long screenPixels = screenWidth * screenHeight;
        if (screenPixels > GifScreenFloor && screenPixels > GifScreenFactor * framePixels)
            return $"its {screenWidth}×{screenHeight} screen is {screenPixels / Math.Max(1, framePixels)} times the area of its first frame ({frameWidth}×{frameHeight}); the rest would be blank background";
        return null;
    }
}

/// <summary>
/// A JPEG's frame (SOF) and scans (SOS), gathered while walking its markers, to check that the scans hold enough data
/// for the declared frame. Every 8×8 block of a DC scan (and of a baseline scan) costs at least one bit — Huffman codes
/// are at least one bit long, DC refinement is one bit per block — so a scan with fewer bits than blocks was cut off.
/// </summary>
internal sealed class JpegLayout
{
    private readonly List<(int Id, int H, int V)> _components = [];
    private readonly List<(int[] Components, int SpectralStart, long Bytes)> _scans = [];
    private int _width;
    private int _height;

    /// <summary>Reads an SOF payload: precision, height, width, component count, then (id, HV, table) per component.</summary>
    public void SetFrame(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 6) return;
        _height = payload[1] << 8 | payload[2];
        _width = payload[3] << 8 | payload[4];
        _components.Clear();
        for (int i = 0, n = payload[5]; i < n && 6 + (3 * i) + 2 < payload.Length; i++)
        {
            var hv = payload[6 + (3 * i) + 1];
            _components.Add((payload[6 + (3 * i)], Math.Clamp(hv >> 4, 1, 4), Math.Clamp(hv & 15, 1, 4)));
        }
    }

    /// <summary>Records a scan: the SOS payload (component count, component ids, Ss…) and its entropy-coded byte count.</summary>
    public void AddScan(ReadOnlySpan<byte> payload, long bytes)
    {
        if (payload.Length < 1) return;
        int n = payload[0];
        if (payload.Length < 1 + (2 * n) + 1) return;
        var ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = payload[1 + (2 * i)];
        _scans.Add((ids, payload[1 + (2 * n)], bytes));
    }

    /// <summary>Why the scans cannot hold the frame, or <see langword="null"/> when they can (or nothing was declared).</summary>
    public string? Impossible()
    {
        if (_width <= 0 || _height <= 0 || _components.Count == 0) return null;
        if (_scans.Count == 0) return $"it declares a {_width}×{_height} frame but holds no image data (no scan)";
        int hMax = _components.Max(c => c.H), vMax = _components.Max(c => c.V);
        var covered = new HashSet<int>();
        foreach (var (ids, spectralStart, bytes) in _scans)
        {
            if (spectralStart != 0) continue; // AC scans may skip whole bands with one end-of-band run
            var members = _components.Where(c => ids.Contains(c.Id)).ToList();
            if (members.Count == 0) continue;
            foreach (var c in members) covered.Add(c.Id);
            long blocks;
            if (members.Count == 1)
            {
                long w = Ceiling((long)_width * members[0].H, hMax), h = Ceiling((long)_height * members[0].V, vMax);
                blocks = Ceiling(w, 8) * Ceiling(h, 8);
            }
            else
            {
                blocks = Ceiling(_width, 8L * hMax) * Ceiling(_height, 8L * vMax) * members.Sum(c => c.H * c.V);
            }
            if (bytes * 8 < blocks)
                return $"a scan of its {_width}×{_height} frame holds {bytes} bytes, fewer than the {blocks} blocks it codes need (at least one bit each)";
        }
        var missing = _components.FirstOrDefault(c => !covered.Contains(c.Id));
        return missing == default ? null : $"component {missing.Id} of its {_width}×{_height} frame has no image data (no DC scan)";
    }

    private static long Ceiling(long value, long divisor) => (value + divisor - 1) / divisor;
}
