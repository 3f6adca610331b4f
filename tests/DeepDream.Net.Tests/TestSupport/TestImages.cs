using DeepDream.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using static TorchSharp.torch;

namespace DeepDream.Tests.TestSupport;

internal static class TestImages
{
    public static string Folder => Path.Combine(AppContext.BaseDirectory, "TestData", "images");

    public static string PathOf(string name) => Path.Combine(Folder, name);

    public static Image<Rgb24> Load(string name) => Image.Load<Rgb24>(PathOf(name));

    /// <summary>A sample photo shrunk to <paramref name="width"/> pixels wide (keeps tests fast).</summary>
    public static Image<Rgb24> LoadSmall(string name, int width)
    {
        var image = Load(name);
        image.Mutate(c => c.Resize(width, 0));
        return image;
    }

    /// <summary>A deterministic pseudo-random RGB image.</summary>
    public static Image<Rgb24> Noise(int width, int height, int seed = 7)
    {
        var random = new Random(seed);
        var image = new Image<Rgb24>(width, height);
        for (var y = 0; y < height; y++)
        for (var x = 0; x < width; x++)
            image[x, y] = new Rgb24((byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256));
        return image;
    }

    /// <summary>The image's pixels as bytes (R, G, B per pixel, row by row), for exact comparisons.</summary>
    public static byte[] Bytes(Image<Rgb24> image)
    {
        var bytes = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(bytes);
        return bytes;
    }

    /// <summary>The mean absolute difference of two same-sized images, in [0,1] pixel units.</summary>
    public static double MeanAbsoluteDifference(Image<Rgb24> a, Image<Rgb24> b)
    {
        using var scope = NewDisposeScope();
        return (ImageTensor.ToTensor(a) - ImageTensor.ToTensor(b)).abs().mean().item<float>();
    }
}
