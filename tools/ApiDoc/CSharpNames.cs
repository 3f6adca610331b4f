using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace DeepDream.ApiDoc;

/// <summary>Writes types and member declarations the way they look in C# source.</summary>
internal sealed class CSharpNames
{
    private static readonly Dictionary<Type, string> Keywords = new()
    {
        [typeof(void)] = "void", [typeof(object)] = "object", [typeof(string)] = "string", [typeof(bool)] = "bool",
        [typeof(byte)] = "byte", [typeof(sbyte)] = "sbyte", [typeof(short)] = "short", [typeof(ushort)] = "ushort",
        [typeof(int)] = "int", [typeof(uint)] = "uint", [typeof(long)] = "long", [typeof(ulong)] = "ulong",
        [typeof(float)] = "float", [typeof(double)] = "double", [typeof(decimal)] = "decimal", [typeof(char)] = "char",
        [typeof(nint)] = "nint", [typeof(nuint)] = "nuint",
    };

    private static readonly Dictionary<string, string> Operators = new(StringComparer.Ordinal)
    {
        ["op_Addition"] = "+", ["op_Subtraction"] = "-", ["op_Multiply"] = "*", ["op_Division"] = "/", ["op_Modulus"] = "%",
        ["op_UnaryNegation"] = "-", ["op_UnaryPlus"] = "+", ["op_Equality"] = "==", ["op_Inequality"] = "!=",
        ["op_LessThan"] = "<", ["op_GreaterThan"] = ">", ["op_LessThanOrEqual"] = "<=", ["op_GreaterThanOrEqual"] = ">=",
        ["op_LogicalNot"] = "!", ["op_BitwiseAnd"] = "&", ["op_BitwiseOr"] = "|", ["op_ExclusiveOr"] = "^",
        ["op_True"] = "true", ["op_False"] = "false",
    };

    private readonly NullabilityInfoContext _nullability = new();

    /// <summary>A type's name without namespace, with generic parameters: <c>Objective</c>, <c>Outer.Inner&lt;T&gt;</c>.</summary>
    public static string ShortName(Type t)
    {
        var prefix = t.IsNested && !t.IsGenericParameter ? ShortName(t.DeclaringType!) + "." : "";
        var name = t.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        if (tick < 0) return prefix + name;
        var outer = t.IsNested ? t.DeclaringType!.GetGenericArguments().Length : 0;
        var own = t.GetGenericArguments().Skip(outer).Select(a => a.Name);
        return prefix + name[..tick] + "<" + string.Join(", ", own) + ">";
    }

    /// <summary>The operator symbol of a user-defined operator method, or null.</summary>
    public static string? OperatorSymbol(MethodInfo m) => Operators.GetValueOrDefault(m.Name);

    /// <summary>The declaration line of a type: <c>public sealed class X : Base, IFace</c>.</summary>
    public string TypeDeclaration(Type t)
    {
        var sb = new StringBuilder("public ");
        var kind = Kind(t);
        if (kind == "delegate")
        {
            var invoke = t.GetMethod("Invoke")!;
            return $"public delegate {Name(invoke.ReturnParameter)} {ShortName(t)}({ParameterList(invoke)});";
        }
        if (t.IsClass && t.IsAbstract && t.IsSealed) sb.Append("static ");
        else if (t.IsClass && t.IsAbstract) sb.Append("abstract ");
        else if (t.IsClass && t.IsSealed) sb.Append("sealed ");
        if (t.IsValueType && !t.IsEnum && t.IsDefined(typeof(IsReadOnlyAttribute), false)) sb.Append("readonly ");
        sb.Append(kind == "record" ? "record" : kind).Append(' ').Append(ShortName(t));
        var bases = new List<string>();
        if (t.IsEnum)
        {
            var underlying = Enum.GetUnderlyingType(t);
            if (underlying != typeof(int)) bases.Add(Name(underlying));
        }
        else
        {
            if (t.BaseType is { } b && b != typeof(object) && b != typeof(ValueType)) bases.Add(Name(b));
            var inherited = t.BaseType?.GetInterfaces() ?? [];
            // A record's IEquatable<itself> is compiler-generated noise.
            var selfEquatable = kind == "record" ? typeof(IEquatable<>).MakeGenericType(t) : null;
            bases.AddRange(t.GetInterfaces().Where(i => !inherited.Contains(i) && (i.IsPublic || i.IsNestedPublic) && i != selfEquatable)
                .Select(i => Name(i)).Order(StringComparer.Ordinal));
        }
        if (bases.Count > 0) sb.Append(" : ").Append(string.Join(", ", bases));
        return sb.ToString();
    }

    /// <summary>class, record, struct, interface, enum or delegate.</summary>
    public static string Kind(Type t)
    {
        if (t.IsEnum) return "enum";
        if (t.IsInterface) return "interface";
        if (typeof(Delegate).IsAssignableFrom(t)) return "delegate";
        if (t.IsValueType) return "struct";
        return t.GetMethod("<Clone>$", BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance) is not null ? "record" : "class";
    }

    public string Declaration(MemberInfo member) => member switch
    {
        ConstructorInfo c => $"{Modifiers(c)}{ShortName(c.DeclaringType!).Split('<')[0].Split('.')[^1]}({ParameterList(c)});",
        MethodInfo m => MethodDeclaration(m),
        PropertyInfo p => PropertyDeclaration(p),
        FieldInfo f => FieldDeclaration(f),
        EventInfo e => $"{Modifiers(e.AddMethod!)}event {Name(e.EventHandlerType!, _nullability.Create(e))} {e.Name};",
        _ => member.Name,
    };

    private string MethodDeclaration(MethodInfo m)
    {
        var generic = m.IsGenericMethodDefinition ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => a.Name)) + ">" : "";
        var returns = Name(m.ReturnParameter);
        if (m.Name is "op_Implicit" or "op_Explicit")
            return $"{Modifiers(m)}{(m.Name == "op_Implicit" ? "implicit" : "explicit")} operator {returns}({ParameterList(m)});";
        if (OperatorSymbol(m) is { } symbol) return $"{Modifiers(m)}{returns} operator {symbol}({ParameterList(m)});";
        return $"{Modifiers(m)}{returns} {m.Name}{generic}({ParameterList(m)});";
    }

    private string PropertyDeclaration(PropertyInfo p)
    {
        var accessors = new List<string>();
        var getter = p.GetMethod is { } g && Visible(g) ? g : null;
        var setter = p.SetMethod is { } s && Visible(s) ? s : null;
        var main = getter ?? setter!;
        if (getter is not null) accessors.Add("get;");
        if (setter is not null)
        {
            var init = setter.ReturnParameter.GetRequiredCustomModifiers().Contains(typeof(IsExternalInit));
            var access = setter.IsFamily && !main.IsFamily ? "protected " : "";
            accessors.Add(access + (init ? "init;" : "set;"));
        }
        var indexer = p.GetIndexParameters();
        var name = indexer.Length == 0 ? p.Name : $"this[{string.Join(", ", indexer.Select(Parameter))}]";
        return $"{Modifiers(main)}{Name(p.PropertyType, _nullability.Create(p))} {name} {{ {string.Join(" ", accessors)} }}";
    }

    private string FieldDeclaration(FieldInfo f)
    {
        var sb = new StringBuilder(f.IsFamily ? "protected " : "public ");
        if (f.IsLiteral) sb.Append("const ");
        else
        {
            if (f.IsStatic) sb.Append("static ");
            if (f.IsInitOnly) sb.Append("readonly ");
        }
        sb.Append(Name(f.FieldType, _nullability.Create(f))).Append(' ').Append(f.Name);
        if (f.IsLiteral) sb.Append(" = ").Append(Literal(f.GetRawConstantValue(), f.FieldType));
        return sb.Append(';').ToString();
    }

    /// <summary>Whether an accessor or method is part of the public surface (public or protected).</summary>
    public static bool Visible(MethodBase m) => m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly;

    private static string Modifiers(MethodBase m)
    {
        if (m.DeclaringType!.IsInterface) return m.IsStatic ? "static " : "";
        var sb = new StringBuilder(m.IsPublic ? "public " : "protected ");
        if (m.IsStatic) sb.Append("static ");
        else if (m is MethodInfo mi && mi.IsVirtual)
        {
            var isOverride = mi.GetBaseDefinition().DeclaringType != mi.DeclaringType;
            if (mi.IsAbstract) sb.Append("abstract ");
            else if (isOverride) sb.Append(mi.IsFinal ? "sealed override " : "override ");
            else if (!mi.IsFinal) sb.Append("virtual ");
        }
        return sb.ToString();
    }

    private string ParameterList(MethodBase m)
    {
        var parameters = m.GetParameters();
        var extension = m.IsStatic && m.IsDefined(typeof(ExtensionAttribute), false);
        return string.Join(", ", parameters.Select((p, i) => (i == 0 && extension ? "this " : "") + Parameter(p)));
    }

    private string Parameter(ParameterInfo p)
    {
        var sb = new StringBuilder();
        var type = p.ParameterType;
        if (type.IsByRef)
        {
            sb.Append(p.IsOut ? "out " : p.IsIn ? "in " : "ref ");
        }
        if (p.IsDefined(typeof(ParamArrayAttribute), false)) sb.Append("params ");
        sb.Append(Name(p)).Append(' ').Append(p.Name);
        if (p.HasDefaultValue) sb.Append(" = ").Append(Literal(p.RawDefaultValue, type.IsByRef ? type.GetElementType()! : type));
        return sb.ToString();
    }

    /// <summary>A parameter's or return value's type with its nullability and tuple element names.</summary>
    public string Name(ParameterInfo p)
    {
        var names = p.GetCustomAttribute<TupleElementNamesAttribute>()?.TransformNames;
        var index = 0;
        var type = p.ParameterType.IsByRef ? p.ParameterType.GetElementType()! : p.ParameterType;
        NullabilityInfo? info = null;
        try
        {
            info = _nullability.Create(p);
            if (p.ParameterType.IsByRef) info = info.ElementType ?? info;
        }
        catch (NotSupportedException)
        {
        }
        return Name(type, info, names, ref index);
    }

    public string Name(Type t, NullabilityInfo? info = null)
    {
        var index = 0;
        return Name(t, info, null, ref index);
    }

    private static string Name(Type t, NullabilityInfo? info, IList<string?>? tupleNames, ref int tupleIndex)
    {
        var nullable = info is not null && !t.IsValueType && (info.ReadState == NullabilityState.Nullable) ? "?" : "";
        if (Nullable.GetUnderlyingType(t) is { } underlying)
        {
            return Name(underlying, info?.GenericTypeArguments.FirstOrDefault(), tupleNames, ref tupleIndex) + "?";
        }
        if (t.IsArray)
        {
            var element = Name(t.GetElementType()!, info?.ElementType, tupleNames, ref tupleIndex);
            return element + "[" + new string(',', t.GetArrayRank() - 1) + "]" + nullable;
        }
        if (t.IsPointer) return Name(t.GetElementType()!, null, tupleNames, ref tupleIndex) + "*";
        if (Keywords.TryGetValue(t, out var keyword)) return keyword + nullable;
        if (t.IsGenericParameter) return t.Name + nullable;
        if (t.IsGenericType && t.FullName?.StartsWith("System.ValueTuple`", StringComparison.Ordinal) == true)
        {
            var args = t.GetGenericArguments();
            var start = tupleIndex;
            tupleIndex += args.Length;
            var parts = new List<string>();
            for (var i = 0; i < args.Length; i++)
            {
                var element = Name(args[i], info?.GenericTypeArguments.ElementAtOrDefault(i), tupleNames, ref tupleIndex);
                var label = tupleNames is not null && start + i < tupleNames.Count ? tupleNames[start + i] : null;
                parts.Add(label is null ? element : element + " " + label);
            }
            return "(" + string.Join(", ", parts) + ")" + nullable;
        }
        if (t.IsGenericType)
        {
            var definition = t.GetGenericTypeDefinition();
            var args = t.GetGenericArguments();
            var outer = definition.IsNested ? definition.DeclaringType!.GetGenericArguments().Length : 0;
            var prefix = definition.IsNested ? Name(definition.DeclaringType!, null, null, ref tupleIndex) + "." : "";
            var baseName = definition.Name[..definition.Name.IndexOf('`', StringComparison.Ordinal)];
            var parts = new List<string>();
            for (var i = outer; i < args.Length; i++)
                parts.Add(Name(args[i], info?.GenericTypeArguments.ElementAtOrDefault(i), tupleNames, ref tupleIndex));
            return prefix + baseName + "<" + string.Join(", ", parts) + ">" + nullable;
        }
        return (t.IsNested ? Name(t.DeclaringType!, null, null, ref tupleIndex) + "." : "") + t.Name + nullable;
    }

    private static string Literal(object? value, Type type) => value switch
    {
        null => type.IsValueType && Nullable.GetUnderlyingType(type) is null ? "default" : "null",
        string s => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
        bool b => b ? "true" : "false",
        char c => "'" + c + "'",
        float f => f.ToString("R", CultureInfo.InvariantCulture) + "f",
        double d => d.ToString("R", CultureInfo.InvariantCulture) + (d == Math.Floor(d) && !double.IsInfinity(d) ? ".0" : ""),
        decimal m => m.ToString(CultureInfo.InvariantCulture) + "m",
        _ when (Nullable.GetUnderlyingType(type) ?? type).IsEnum => EnumLiteral(Nullable.GetUnderlyingType(type) ?? type, value),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static string EnumLiteral(Type enumType, object raw)
    {
        var value = Enum.ToObject(enumType, raw);
        var name = Enum.GetName(enumType, value);
        return ShortName(enumType) + "." + (name ?? Convert.ToString(raw, CultureInfo.InvariantCulture));
    }
}
