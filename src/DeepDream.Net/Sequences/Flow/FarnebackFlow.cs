using System.Runtime.InteropServices;
using OpenCvSharp;
using SixLabors.ImageSharp.PixelFormats;
using ImageRgb = SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>;

namespace DeepDream.Sequences.Flow;

/// <summary>
/// Gunnar Farnebäck's dense optical flow, computed by OpenCV (through OpenCvSharp4) on the frames' luma. Needs OpenCV's
/// native library (the <c>OpenCvSharp4.official.runtime.linux-x64</c> package on Linux x64, which in turn needs GTK 3:
/// Debian/Ubuntu package <c>libgtk-3-0</c>); <see cref="EnsureAvailable"/> checks it up front.
/// </summary>
public sealed class FarnebackFlow : IOpticalFlow
{
    /// <summary>Creates the flow with the parameters commonly used for video dreaming (3 levels, window 15, 3 iterations).</summary>
    public FarnebackFlow() { }

    /// <summary>Ratio between pyramid levels (below 1).</summary>
    public double PyramidScale { get; init; } = 0.5;

    /// <summary>Pyramid levels.</summary>
    public int Levels { get; init; } = 3;

    /// <summary>Averaging window size in pixels; larger is smoother and more robust to noise.</summary>
    public int WindowSize { get; init; } = 15;

    /// <summary>Iterations at each pyramid level.</summary>
    public int Iterations { get; init; } = 3;

    /// <inheritdoc />
    public string Name => "farneback";

    /// <summary>Checks that OpenCV's native library loads.</summary>
    /// <exception cref="DependencyMissingException">It does not load; the message names the missing library and how to install it.</exception>
    public static void EnsureAvailable()
    {
        try
        {
            _ = Cv2.GetVersionString();
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
        {
            throw new DependencyMissingException(
                $"Optical flow needs OpenCV's native library (OpenCvSharpExtern), which could not be loaded{Why(e)}. On Debian/Ubuntu install GTK 3 (apt-get install libgtk-3-0); on other platforms add OpenCV's runtime package for it; or use no flow.", e);
        }
    }

    /// <inheritdoc />
    /// <exception cref="DependencyMissingException">OpenCV's native library does not load.</exception>
    public FlowField Estimate(ImageRgb current, ImageRgb previous)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(previous);
        if (current.Width != previous.Width || current.Height != previous.Height)
            throw new ArgumentException($"The frames differ in size: {current.Width}x{current.Height} and {previous.Width}x{previous.Height}.", nameof(previous));
        EnsureAvailable();
        int width = current.Width, height = current.Height;
        using var from = ToLumaMat(current);
        using var to = ToLumaMat(previous);
        using var flow = new Mat();
        Cv2.CalcOpticalFlowFarneback(from, to, flow, PyramidScale, Levels, WindowSize, Iterations, 5, 1.2, OpticalFlowFlags.None);
        var data = new float[width * height * 2];
        using var continuous = flow.IsContinuous() ? null : flow.Clone();
        Marshal.Copy((continuous ?? flow).Data, data, 0, data.Length);
        return new FlowField(width, height, data);
    }

    private static Mat ToLumaMat(ImageRgb image)
    {
        var luma = new byte[image.Width * image.Height];
        image.ProcessPixelRows(rows =>
        {
            for (var y = 0; y < rows.Height; y++)
            {
                var row = rows.GetRowSpan(y);
                for (var x = 0; x < row.Length; x++)
                {
                    Rgb24 p = row[x];
                    luma[y * rows.Width + x] = (byte)((299 * p.R + 587 * p.G + 114 * p.B + 500) / 1000);
                }
            }
        });
        var mat = new Mat(image.Height, image.Width, MatType.CV_8UC1);
        mat.SetArray(luma);
        return mat;
    }

    private static string Why(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is not DllNotFoundException) continue;
            var line = inner.Message.Split('\n').Select(l => l.Trim())
                .FirstOrDefault(l => l.Contains("cannot open shared object", StringComparison.Ordinal) && !l.Contains("OpenCvSharpExtern", StringComparison.Ordinal));
            return line is null ? "" : $" ({line})";
        }
        return "";
    }
}
