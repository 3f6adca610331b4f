using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json;

namespace DeepDream.ApiDoc;

/// <summary>
/// Loads the documented assembly for reflection. A library's build folder holds only its own files, so its package
/// dependencies (TorchSharp, ImageSharp, ...) are found through its <c>.deps.json</c> in the NuGet package folder.
/// </summary>
internal static class AssemblyLoader
{
    public static Assembly Load(string assemblyPath)
    {
        var full = Path.GetFullPath(assemblyPath);
        var folder = Path.GetDirectoryName(full)!;
        var packages = DependencyPaths(Path.ChangeExtension(full, ".deps.json"));
        AssemblyLoadContext.Default.Resolving += (context, name) =>
        {
            var local = Path.Combine(folder, name.Name + ".dll");
            if (File.Exists(local)) return context.LoadFromAssemblyPath(local);
            return name.Name is not null && packages.TryGetValue(name.Name, out var path) ? context.LoadFromAssemblyPath(path) : null;
        };
        return Assembly.LoadFrom(full);
    }

    /// <summary>Assembly simple name → file in the NuGet package folder, for every runtime asset listed in the deps file.</summary>
    private static Dictionary<string, string> DependencyPaths(string depsFile)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (!File.Exists(depsFile)) return result;
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        using var doc = JsonDocument.Parse(File.ReadAllText(depsFile));
        var libraries = doc.RootElement.GetProperty("libraries");
        foreach (var target in doc.RootElement.GetProperty("targets").EnumerateObject())
        {
            foreach (var library in target.Value.EnumerateObject())
            {
                if (!library.Value.TryGetProperty("runtime", out var runtime)) continue;
                if (!libraries.TryGetProperty(library.Name, out var info) || !info.TryGetProperty("path", out var packagePath)) continue;
                foreach (var asset in runtime.EnumerateObject())
                {
                    var file = Path.Combine(root, packagePath.GetString()!, asset.Name);
                    if (File.Exists(file)) result.TryAdd(Path.GetFileNameWithoutExtension(file), file);
                }
            }
        }
        return result;
    }
}
