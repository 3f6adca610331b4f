namespace DeepDream.Gallery.Sections;

/// <summary>The same dream in float32 and in bfloat16.</summary>
internal sealed class PrecisionSection : GallerySection
{
    public override string Id => "precision";
    public override int Order => 75;
    public override string Title => "float32 and bfloat16";
    public override string Intro => """
        The same dream (seed 1, defaults) with the network in float32 and in bfloat16 (`--precision bf16`,
        `.Precision(Precision.BFloat16)`). bfloat16 is about twice as fast on CPUs with AVX512-BF16 or AMX and on GPUs;
        its rounding changes the details, as another seed would, but not the character or the strength of the dream (the
        test `BFloat16Dream_ChangesThePictureAsMuchAsFloat32` checks the mean change from the input is within 15 %).
        """;

    public override IEnumerable<Figure> Figures()
    {
        yield return new Figure(
        [
            Tiles.Command("chelsea-fp32.jpg", "float32 (default)", "dream samples/images/chelsea.png --seed 1"),
            Tiles.Command("chelsea-bf16.jpg", "bfloat16", "dream samples/images/chelsea.png --seed 1 --precision bf16"),
        ]);
    }
}
