using DeepDream.ApiDoc;

// Usage: ApiDoc <path/to/DeepDream.Net.dll> <output.md>
// Reads the XML documentation next to the assembly, writes the Markdown reference and lists public members without a summary.
if (args.Length != 2)
{
    Console.Error.WriteLine("usage: ApiDoc <assembly.dll> <output.md>");
    return 2;
}

var assemblyPath = Path.GetFullPath(args[0]);
var xmlPath = Path.ChangeExtension(assemblyPath, ".xml");
if (!File.Exists(assemblyPath) || !File.Exists(xmlPath))
{
    Console.Error.WriteLine($"'{assemblyPath}' or its documentation file '{xmlPath}' does not exist; build the library first.");
    return 2;
}

var assembly = AssemblyLoader.Load(assemblyPath);
var writer = new ApiWriter(assembly, new XmlDocs(xmlPath));
var markdown = writer.Write();
File.WriteAllText(args[1], markdown);
Console.WriteLine($"Wrote {args[1]} ({markdown.Length:N0} characters).");

Console.WriteLine($"Public members without <summary>: {writer.Undocumented.Count}");
foreach (var item in writer.Undocumented) Console.WriteLine("  " + item);
Console.WriteLine($"Members whose <inheritdoc/> points outside the assembly: {writer.InheritedFromOutside.Count}");
foreach (var item in writer.InheritedFromOutside) Console.WriteLine("  " + item);
return 0;
