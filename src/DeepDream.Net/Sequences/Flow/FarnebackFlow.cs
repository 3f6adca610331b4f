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

    /// <summary>The default <see cref="MaxSide"/>.</summary>
    public const int DefaultMaxSide = 320;

    /// <summary>
    /// Larger frames are scaled down (area average) until their longer side is at most this many pixels before the flow
    /// is estimated, and the field is scaled back up (bilinear, displacements multiplied by the scale): the cost stays
    /// that of a small frame whatever the video's size (at 640×360 about a quarter of full size), and the field is
    /// smoother. 0 estimates at full size. Default <see cref="DefaultMaxSide"/>.
    /// </summary>
    public int MaxSide { get; init; } = DefaultMaxSide;

    /// <inheritdoc />
    public string Name => "farneback";

    /// <summary>Checks (once per process) that OpenCV's native library loads.</summary>
    /// <exception cref="DependencyMissingException">
    /// It does not load; the message names the missing library and how to install it (on Debian/Ubuntu, GTK 3:
    /// <c>apt-get install libgtk-3-0</c>).
    /// </exception>
    public void EnsureAvailable()
    {
        if (LoadFailure.Value is { } failure) throw new DependencyMissingException(failure.Message, failure.InnerException);
    }

    private static readonly Lazy<DependencyMissingException?> LoadFailure = new(() =>
    {
        try
        {
            _ = Cv2.GetVersionString();
            return null;
        }
        catch (Exception e) when (e is TypeInitializationException or DllNotFoundException or BadImageFormatException or EntryPointNotFoundException)
        {
            return Missing(e, OperatingSystem.IsLinux());
        }
    });

    /// <summary>
    /// The one-line error for a failed load of OpenCV's native library. The loader's message lists every path it tried;
    /// a line that does not name OpenCvSharpExtern itself is the dependency that failed (such as
    /// <c>libgtk-3.so.0: cannot open shared object file: No such file or directory</c>).
    /// </summary>
    internal static DependencyMissingException Missing(Exception exception, bool linux)
    {
        var loader = exception as DllNotFoundException ?? exception.InnerException as DllNotFoundException;
        var dependency = loader?.Message.Split('\n').Skip(1).Select(l => l.Trim())
            .FirstOrDefault(l => l.Contains(": ", StringComparison.Ordinal) && !l.Contains("OpenCvSharpExtern", StringComparison.Ordinal));
        string message;
        if (dependency is not null && linux)
        {
            var split = dependency.IndexOf(": ", StringComparison.Ordinal);
            var library = Path.GetFileName(dependency[..split]);
            message = $"Optical flow needs OpenCV's native library, which cannot load because {library} is missing or unusable ({dependency[(split + 2)..]}). "
                + "It needs GTK 3: on Debian/Ubuntu install it with 'sudo apt-get install libgtk-3-0'.";
        }
        else if (linux)
        {
            message = "Optical flow needs OpenCV's native library (libOpenCvSharpExtern.so), which was not found; add the OpenCvSharp4.official.runtime.linux-x64 package to the application.";
        }
        else
        {
            message = $"Optical flow needs OpenCV's native library (OpenCvSharpExtern), which could not be loaded on {System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}; add an OpenCvSharp4 runtime package for this platform.";
        }
        return new DependencyMissingException(message, exception);
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
        var scale = MaxSide > 0 ? Math.Min(1.0, (double)MaxSide / Math.Max(width, height)) : 1.0;
        var small = new Size(Math.Max(1, (int)Math.Round(width * scale)), Math.Max(1, (int)Math.Round(height * scale)));
        using var flow = new Mat();
        if (small.Width == width && small.Height == height)
        {
            Cv2.CalcOpticalFlowFarneback(from, to, flow, PyramidScale, Levels, WindowSize, Iterations, 5, 1.2, OpticalFlowFlags.None);
        }
        else
        {
            using var fromSmall = new Mat();
            using var toSmall = new Mat();
            using var flowSmall = new Mat();
            Cv2.Resize(from, fromSmall, small, 0, 0, InterpolationFlags.Area);
            Cv2.Resize(to, toSmall, small, 0, 0, InterpolationFlags.Area);
            Cv2.CalcOpticalFlowFarneback(fromSmall, toSmall, flowSmall, PyramidScale, Levels, WindowSize, Iterations, 5, 1.2, OpticalFlowFlags.None);
            Cv2.Resize(flowSmall, flow, new Size(width, height), 0, 0, InterpolationFlags.Linear);
        }
        var data = new float[width * height * 2];
        using var continuous = flow.IsContinuous() ? null : flow.Clone();
        Marshal.Copy((continuous ?? flow).Data, data, 0, data.Length);
        if (small.Width != width || small.Height != height)
        {
            // Displacements were measured in the small frame's pixels.
            float sx = (float)width / small.Width, sy = (float)height / small.Height;
            for (var i = 0; i < data.Length; i += 2)
            {
                data[i] *= sx;
                data[i + 1] *= sy;
            }
        }
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
}
