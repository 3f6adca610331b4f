using DeepDream.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace DeepDream.Tests.Imaging;

public sealed class FileStructureCheckTests
{
    // SOI; APP1 whose payload contains FF D9 (like an embedded EXIF thumbnail); SOS header; entropy data with a stuffed
    // FF 00 and a restart marker FF D0; then EOI.
    private static readonly byte[] JpegSkeleton =
    [
        0xFF, 0xD8,
        0xFF, 0xE1, 0x00, 0x06, 0xFF, 0xD9, 0x12, 0x34,
        0xFF, 0xDA, 0x00, 0x04, 0x00, 0x00,
        0x11, 0xFF, 0x00, 0x22, 0xFF, 0xD0, 0x33, 0xFF, 0xFF, 0xD9,
    ];

    [Fact]
    public void Jpeg_MarkersInsideSegmentsAndStuffedBytes_ReachEndOfImage()
    {
        var report = FileStructureCheck.Jpeg(new MemoryStream(JpegSkeleton));
        Assert.Null(report.Truncation);
    }

    [Theory]
    [InlineData(2)] // right after SOI
    [InlineData(8)] // inside the APP1 segment, just past its FF D9
    [InlineData(14)] // inside the SOS header
    [InlineData(20)] // after the stuffed byte, before the restart marker
    [InlineData(24)] // on the fill byte before EOI
    public void Jpeg_CutAnywhereBeforeEndOfImage_IsTruncated(int length)
    {
        var report = FileStructureCheck.Jpeg(new MemoryStream(JpegSkeleton[..length]));
        Assert.Contains("FFD9", report.Truncation);
    }

    [Fact]
    public void Jpeg_NotStartingWithSoi_IsReported()
    {
        var report = FileStructureCheck.Jpeg(new MemoryStream([0x00, 0xD8, 0xFF, 0xD9]));
        Assert.Contains("start-of-image", report.Truncation);
    }

    [Fact]
    public void Png_ChunkLengthBeyondFile_IsTruncatedNamingChunk()
    {
        using var stream = new MemoryStream();
        using (var image = new Image<Rgb24>(2, 2)) image.SaveAsPng(stream);
        var bytes = stream.ToArray();
        Assert.Null(FileStructureCheck.Png(new MemoryStream(bytes)).Truncation);
        var cut = FileStructureCheck.Png(new MemoryStream(bytes[..20])); // inside IHDR
        Assert.Contains("'IHDR'", cut.Truncation);
    }

    [Fact]
    public void Gif_HandMadeSingleFrame_CountsOneFrame()
    {
        var report = FileStructureCheck.Gif(new MemoryStream(TestFiles.GifWithScreen(1, 1)));
        Assert.Equal(new StructureReport(null, null, 1), report);
    }

    [Fact]
    public void Gif_MissingTrailer_IsNoteNotTruncation()
    {
        var bytes = TestFiles.GifWithScreen(1, 1);
        var report = FileStructureCheck.Gif(new MemoryStream(bytes[..^1]));
        Assert.Null(report.Truncation);
        Assert.Contains("no trailer", report.Note);
        Assert.Equal(1, report.FrameCount);
    }

    [Fact]
    public void Gif_CutInsideFrame_IsTruncated()
    {
        var bytes = TestFiles.GifWithScreen(1, 1);
        var report = FileStructureCheck.Gif(new MemoryStream(bytes[..^3]));
        Assert.Contains("inside GIF frame 1", report.Truncation);
    }
}
