namespace DeepDream.Sequences.Flow;

/// <summary>
/// A dense displacement field: for every pixel of the current frame, how far (in pixels) it lies from the same content
/// in the previous frame. Stored interleaved (dx, dy) per pixel, row-major.
/// </summary>
public sealed class FlowField
{
    /// <summary>Creates a field from interleaved (dx, dy) values.</summary>
    /// <param name="width">Field width.</param>
    /// <param name="height">Field height.</param>
    /// <param name="data">width × height × 2 values: dx then dy of each pixel, row by row; kept, not copied.</param>
    /// <exception cref="ArgumentException">The data length is not width × height × 2.</exception>
    public FlowField(int width, int height, float[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Guard.Positive(width, nameof(width));
        Guard.Positive(height, nameof(height));
        if (data.Length != (long)width * height * 2)
            throw new ArgumentException($"A {width}x{height} flow field needs {(long)width * height * 2} values, got {data.Length}.", nameof(data));
        Width = width;
        Height = height;
        Data = data;
    }

    /// <summary>Field width.</summary>
    public int Width { get; }

    /// <summary>Field height.</summary>
    public int Height { get; }

    /// <summary>Interleaved (dx, dy) per pixel, row-major.</summary>
    public float[] Data { get; }

    /// <summary>The displacement of pixel (<paramref name="x"/>, <paramref name="y"/>).</summary>
    /// <param name="x">Column.</param>
    /// <param name="y">Row.</param>
    /// <returns>(dx, dy) in pixels.</returns>
    public (float Dx, float Dy) At(int x, int y)
    {
        var i = (y * Width + x) * 2;
        return (Data[i], Data[i + 1]);
    }

    /// <summary>The mean displacement over the field (a global shift estimate).</summary>
    /// <returns>(mean dx, mean dy).</returns>
    public (double Dx, double Dy) Mean()
    {
        double sx = 0, sy = 0;
        for (var i = 0; i < Data.Length; i += 2)
        {
            sx += Data[i];
            sy += Data[i + 1];
        }
        var n = Data.Length / 2.0;
        return (sx / n, sy / n);
    }
}
