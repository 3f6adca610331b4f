// The snippet test's Program.cs: runs the README's first snippet in an empty folder that holds only its input (a small
// copy of a sample photo, under the name the snippet loads), then checks the picture it wrote: the input's size, and
// at least half of the pixels changed. Arguments: SAMPLE INPUT-NAME OUTPUT-NAME FOLDER.
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

var (sample, inputName, outputName, folder) = (args[0], args[1], args[2], args[3]);
Directory.CreateDirectory(folder);
using (var photo = Image.Load<Rgb24>(sample))
{
    photo.Mutate(c => c.Resize(150, 0));
    photo.Save(Path.Combine(folder, inputName));
}
Directory.SetCurrentDirectory(folder);

MyApp.README_1.Run();

using var input = Image.Load<Rgb24>(inputName);
using var output = Image.Load<Rgb24>(outputName);
var changed = 0;
for (var y = 0; y < input.Height; y++)
    for (var x = 0; x < input.Width; x++)
        if (!input[x, y].Equals(output[x, y])) changed++;
Console.WriteLine($"README snippet 1: {inputName} {input.Width}x{input.Height} -> {outputName} {output.Width}x{output.Height}, changed pixels {changed}");
return output.Width == input.Width && output.Height == input.Height && changed >= input.Width * input.Height / 2 ? 0 : 1;
