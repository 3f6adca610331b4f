using DeepDream.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Cli;

/// <summary>
/// The one adapter between the CLI and image files, over the library's <see cref="ImageLoader"/> (header checked before
/// decoding, pixel limit, EXIF orientation, first GIF frame, alpha split) and atomic <see cref="ImageWriter"/>.
/// </summary>
internal static class ImageIO
{
    /// <summary>Larger inputs are refused before decoding.</summary>
    public const long MaxPixels = ImageLoadOptions.DefaultMaxPixels;

    /// <summary>The output extensions, with the dot.</summary>
    public static IReadOnlyList<string> SupportedExtensions => ImageWriter.SupportedExtensions;

    /// <summary>Whether <paramref name="path"/>'s extension names a format the tool can write.</summary>
    public static bool IsSupportedExtension(string path) => ImageWriter.IsSupportedExtension(path);

    /// <summary>Loads an image as RGB plus alpha (when it has any), with load warnings.</summary>
    /// <exception cref="ImageLoadException">The file is missing, not an image, damaged, or too large.</exception>
    public static LoadedImage Load(string path) => ImageLoader.Load(path, new ImageLoadOptions { MaxPixels = MaxPixels });

    /// <summary>Writes the image (with <paramref name="alpha"/> where the format keeps it) atomically.</summary>
    /// <exception cref="FileAccessException">The file cannot be written.</exception>
    public static void Save(Image<Rgb24> image, Image<L8>? alpha, string path)
    {
        try
        {
            ImageWriter.Save(image, alpha, path);
        }
        catch (ImageSaveException e)
        {
            throw new FileAccessException(e.Message, e);
        }
    }
}
