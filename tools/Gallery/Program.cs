using DeepDream.Gallery;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

// Regenerates the gallery: renders the tiles of every section (or only the sections named on the command line) into
// docs/images/gallery/<section>/, the README's strips into docs/images/, and rewrites docs/gallery.md whole.
// Usage (from the repository root): dotnet run --project tools/Gallery -c Release -- [--markdown-only] [SECTION ...]
var markdownOnly = args.Contains("--markdown-only");
var only = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToHashSet(StringComparer.OrdinalIgnoreCase);
var docs = Path.GetFullPath("docs");
if (!File.Exists(Path.Combine(docs, "gallery.md")))
{
    Console.Error.WriteLine("Run this from the repository root (tools/make-gallery.sh does).");
    return 2;
}

var sections = typeof(GallerySection).Assembly.GetTypes()
    .Where(t => t.IsSubclassOf(typeof(GallerySection)) && !t.IsAbstract)
    .Select(t => (GallerySection)Activator.CreateInstance(t)!)
    .OrderBy(s => s.Order).ThenBy(s => s.Id, StringComparer.Ordinal)
    .ToList();
var unknown = only.Except(sections.Select(s => s.Id), StringComparer.OrdinalIgnoreCase).ToList();
if (unknown.Count > 0)
{
    Console.Error.WriteLine($"Unknown section(s): {string.Join(", ", unknown)}. Sections: {string.Join(", ", sections.Select(s => s.Id))}.");
    return 2;
}
var duplicate = sections.GroupBy(s => s.Id).FirstOrDefault(g => g.Count() > 1);
if (duplicate is not null)
{
    Console.Error.WriteLine($"Two sections share the id '{duplicate.Key}'.");
    return 2;
}

if (!markdownOnly)
{
    using var context = new GalleryContext(Path.GetFullPath(Path.Combine("samples", "images")));
    foreach (var section in sections.Where(s => only.Count == 0 || only.Contains(s.Id)))
    {
        foreach (var figure in section.Figures())
        {
            var paths = new List<string>();
            foreach (var tile in figure.Tiles)
            {
                var path = Path.Combine(docs, Markdown.ImagePath(section, tile));
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await tile.Render(context, path);
                paths.Add(path);
                Console.WriteLine($"{context.Seconds,7:F1} s  {Path.GetRelativePath(docs, path)}");
            }
            if (figure.StripFile is { } strip)
            {
                var stripPath = Path.Combine(docs, "images", strip);
                if (paths.Count == 1 && Path.GetExtension(paths[0]) == Path.GetExtension(stripPath))
                {
                    File.Copy(paths[0], stripPath, overwrite: true); // one picture: the same file (an animation stays one)
                }
                else
                {
                    using var image = Strip(paths);
                    await context.SaveAsync(image, stripPath);
                }
                Console.WriteLine($"{context.Seconds,7:F1} s  {Path.GetRelativePath(docs, stripPath)}");
            }
        }
    }
}

// A section whose pictures have not been rendered yet stays off the page (no broken images), with a warning.
var missing = sections.Where(s => s.Figures().SelectMany(f => f.Tiles).Any(t => !File.Exists(Path.Combine(docs, Markdown.ImagePath(s, t))))).ToList();
foreach (var section in missing)
    Console.Error.WriteLine($"warning: section '{section.Id}' has pictures not rendered yet and is left out of docs/gallery.md; run tools/make-gallery.sh {section.Id}");
File.WriteAllText(Path.Combine(docs, "gallery.md"), Markdown.Page(sections.Except(missing)));
Console.WriteLine("docs/gallery.md written");
return 0;

// Pictures side by side with a white gutter, all scaled to the height of the first one.
static Image<Rgb24> Strip(IReadOnlyList<string> paths)
{
    const int Gutter = 6;
    var images = paths.Select(p => Image.Load<Rgb24>(p)).ToList();
    try
    {
        var height = images[0].Height;
        foreach (var image in images.Where(i => i.Height != height)) image.Mutate(c => c.Resize(0, height));
        var strip = new Image<Rgb24>(images.Sum(i => i.Width) + Gutter * (images.Count - 1), height, new Rgb24(255, 255, 255));
        var x = 0;
        foreach (var image in images)
        {
            var left = x;
            strip.Mutate(c => c.DrawImage(image, new Point(left, 0), 1f));
            x += image.Width + Gutter;
        }
        return strip;
    }
    finally
    {
        foreach (var image in images) image.Dispose();
    }
}
