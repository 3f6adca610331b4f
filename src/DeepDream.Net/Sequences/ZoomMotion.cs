using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Sequences;

/// <summary>
/// The camera motion between two frames of a zoom: zoom about the image centre by <see cref="Zoom"/>, rotate by
/// <see cref="RotationDegrees"/> and pan by (<see cref="PanX"/>, <see cref="PanY"/>) pixels. Resampling is bilinear and
/// the borders are filled by reflection.
/// </summary>
public sealed record ZoomMotion
{
    /// <summary>The default zoom per frame.</summary>
    public const double DefaultZoom = 1.05;

    /// <summary>Creates a motion.</summary>
    /// <param name="zoom">Magnification per frame: above 1 zooms in, below 1 zooms out (0.1 to 10).</param>
    /// <param name="rotationDegrees">Rotation per frame in degrees, counter-clockwise when positive.</param>
    /// <param name="panX">Pixels per frame the view moves right (the content moves left).</param>
    /// <param name="panY">Pixels per frame the view moves down (the content moves up).</param>
    /// <exception cref="ArgumentOutOfRangeException">The zoom is outside 0.1..10, or a value is not finite.</exception>
    public ZoomMotion(double zoom = DefaultZoom, double rotationDegrees = 0, double panX = 0, double panY = 0)
    {
        if (!(zoom >= 0.1 && zoom <= 10)) throw new ArgumentOutOfRangeException(nameof(zoom), zoom, "zoom must be between 0.1 and 10 (1.05: 5 % closer per frame).");
        if (!double.IsFinite(rotationDegrees)) throw new ArgumentOutOfRangeException(nameof(rotationDegrees), rotationDegrees, "rotationDegrees must be a finite number.");
        if (!double.IsFinite(panX)) throw new ArgumentOutOfRangeException(nameof(panX), panX, "panX must be a finite number.");
        if (!double.IsFinite(panY)) throw new ArgumentOutOfRangeException(nameof(panY), panY, "panY must be a finite number.");
        Zoom = zoom;
        RotationDegrees = rotationDegrees;
        PanX = panX;
        PanY = panY;
    }

    /// <summary>Magnification per frame.</summary>
    public double Zoom { get; }

    /// <summary>Rotation per frame in degrees, counter-clockwise when positive.</summary>
    public double RotationDegrees { get; }

    /// <summary>Pixels per frame the view moves right.</summary>
    public double PanX { get; }

    /// <summary>Pixels per frame the view moves down.</summary>
    public double PanY { get; }

    /// <summary>
    /// Where output pixel (<paramref name="x"/>, <paramref name="y"/>) samples the previous frame, in pixel-centre
    /// coordinates: the centre plus the pan plus the offset from the centre, rotated and divided by the zoom.
    /// </summary>
    /// <param name="x">Output column.</param>
    /// <param name="y">Output row.</param>
    /// <param name="width">Frame width.</param>
    /// <param name="height">Frame height.</param>
    /// <returns>The source position (column, row); pixel (i, j) has its centre at (i, j).</returns>
    public (double U, double V) SourceOf(int x, int y, int width, int height)
    {
        var angle = RotationDegrees * Math.PI / 180;
        double cos = Math.Cos(angle), sin = Math.Sin(angle);
        double cx = width / 2.0, cy = height / 2.0;
        double px = x + 0.5 - cx, py = y + 0.5 - cy;
        var qx = cx + PanX + (cos * px - sin * py) / Zoom;
        var qy = cy + PanY + (sin * px + cos * py) / Zoom;
        return (qx - 0.5, qy - 0.5);
    }

    /// <summary>Applies the motion to a frame.</summary>
    /// <param name="frame">The previous frame; not modified.</param>
    /// <returns>A new image of the same size.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="frame"/> is null.</exception>
    public Image<Rgb24> Apply(Image<Rgb24> frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        var source = RgbBuffer.From(frame);
        int width = frame.Width, height = frame.Height;
        var bytes = new byte[width * height * 3];
        Parallel.For(0, height, y =>
        {
            Span<double> rgb = stackalloc double[3];
            for (var x = 0; x < width; x++)
            {
                var (u, v) = SourceOf(x, y, width, height);
                source.Sample(u, v, rgb);
                var p = (y * width + x) * 3;
                bytes[p] = RgbBuffer.ToByte(rgb[0]);
                bytes[p + 1] = RgbBuffer.ToByte(rgb[1]);
                bytes[p + 2] = RgbBuffer.ToByte(rgb[2]);
            }
        });
        return Image.LoadPixelData<Rgb24>(bytes, width, height);
    }
}
