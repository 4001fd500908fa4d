// Port of Lib/test/test_exception_group.py (read from CPython 3.13.0's tree; the file is the same
// in 3.14 for what is ported here), on stdlib/builtins.ts's BaseExceptionGroup and ExceptionGroup,
// which asyncio's TaskGroup raises and whose split()/subgroup() `except*` stands on. Python's
// tuple of exception types is an array here; Python's `type(x) is C` is a check of the
// constructor.
//
// Not ported, and why:
// - test_exception_is_not_generic_type, test_exception_group_is_generic_type: `Exception[OSError]`
//   and `types.GenericAlias` are Python typing at run time; TypeScript's generics are erased.
// - test_BEG_and_E_subclass_does_not_wrap_base_exceptions,
//   test_EG_and_specific_subclass_can_wrap_any_nonbase_exception,
//   test_BEG_and_specific_subclass_can_wrap_any_nonbase_exception: multiple inheritance
//   (`class MyEG(ExceptionGroup, ValueError)`) does not exist in JavaScript.
// - The traceback checks (`__traceback__`, `tb_lineno`, `tb_next`) of
//   test_basics_ExceptionGroup_fields, test_leaf_generator, test_nested_exception_group_tracebacks,
//   test_iteration_full_tracebacks and split_exception_group(): JavaScript errors have a stack
//   string, not traceback objects (the rest of those tests is ported).
// - The `Predicate` callable objects of the predicate tests: JavaScript has no callable objects
//   (`__call__`); the plain function and the bound method are ported.
// - test_deep_split, test_deep_subgroup: they nest groups past CPython's C recursion limit to get
//   RecursionError; a JavaScript engine's stack limit is its own (split() recurses as CPython does).
// - test_split_BaseExceptionGroup_subclass_no_derive_new_override: its point is that the default
//   derive() does not call the subclass's `__new__`, which JavaScript classes do not have; the
//   same holds for a constructor with another signature, which test_split_derive_skips_subclass_
//   constructor below checks instead.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  AttributeError,
  BaseException,
  BaseExceptionGroup,
  Exception,
  ExceptionGroup,
  KeyboardInterrupt,
  MemoryError,
  OSError,
  py_str,
  RuntimeError,
  TypeError,
  ValueError,
} from "../stdlib/builtins.ts";
import { repr } from "../stdlib/_repr.ts";

type Template = Error | Template[];
type ErrorClass = abstract new (...args: never[]) => Error;

/** `raise new_exc from cause`, caught: `new_exc` with its cause and context set, as Python does. */
function raised_from<E extends Error>(new_exc: E, cause: Error | null, context: Error): E {
  const e = new_exc as unknown as {
    __cause__: Error | null;
    __context__: Error | null;
    __suppress_context__: boolean;
  };
  e.__cause__ = cause;
  e.__context__ = context;
  if (cause !== null) e.__suppress_context__ = true;
  return new_exc;
}

function create_simple_eg(): ExceptionGroup {
  const excs: Error[] = [];
  const mem = new MemoryError("context and cause for ValueError(1)");
  excs.push(raised_from(new ValueError(1), mem, mem));
  excs.push(raised_from(new TypeError("<class 'int'>"), null, new OSError("context for TypeError")));
  excs.push(raised_from(new ValueError(2), null, new RuntimeError("context for ValueError(2)")));
  return new ExceptionGroup("simple eg", excs);
}

/** CPython's assertMatchesTemplate: `exc` has the shape of `template`. */
function assertMatchesTemplate(exc: unknown, exc_type: ErrorClass | null, template: Template): void {
  if (exc_type !== null) assert.equal((exc as object).constructor, exc_type);
  if (exc instanceof BaseExceptionGroup) {
    assert.ok(Array.isArray(template));
    assert.equal(exc.exceptions.length, template.length);
    exc.exceptions.forEach((e, i) => assertMatchesTemplate(e, null, template[i]));
  } else {
    assert.ok(template instanceof Error && !Array.isArray(template));
    assert.equal((exc as object).constructor, template.constructor);
    assert.deepEqual((exc as BaseException).args, (template as BaseException).args);
  }
}

/** PEP 654's leaf_generator: the leaf exceptions of `exc`, depth first. */
function* leaf_generator(exc: Error): Generator<Error> {
  if (exc instanceof BaseExceptionGroup) {
    for (const e of exc.exceptions) yield* leaf_generator(e);
  } else {
    yield exc;
  }
}

const expectThrows = (f: () => unknown, cls: ErrorClass, msg?: RegExp) => {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof cls, `expected ${cls.name}, got ${String(e)}`);
    if (msg) assert.match((e as Error).message, msg);
    return true;
  });
};

describe("TestExceptionGroupTypeHierarchy", () => {
  test("test_exception_group_types", () => {
    assert.ok(ExceptionGroup.prototype instanceof BaseExceptionGroup);
    assert.ok(BaseExceptionGroup.prototype instanceof BaseException);
    // issubclass(ExceptionGroup, Exception): what `except Exception` means here.
    const eg = new ExceptionGroup("eg", [new ValueError(1)]);
    assert.ok(eg instanceof Error);
  });
});

describe("BadConstructorArgs", () => {
  test("test_bad_EG_construction__too_many_args", () => {
    const MSG = /^BaseExceptionGroup\.__new__\(\) takes exactly 2 arguments/;
    const EG = ExceptionGroup as unknown as new (...args: unknown[]) => ExceptionGroup;
    expectThrows(() => new EG("no errors"), TypeError, MSG);
    expectThrows(() => new EG([new ValueError("no msg")]), TypeError, MSG);
    expectThrows(() => new EG("eg", [new ValueError("too")], [new TypeError("many")]), TypeError, MSG);
  });

  test("test_bad_EG_construction__bad_message", () => {
    const MSG = /argument 1 must be str, not /;
    const EG = ExceptionGroup as unknown as new (...args: unknown[]) => ExceptionGroup;
    expectThrows(() => new EG(new ValueError(12), new RuntimeError("bad syntax")), TypeError, MSG);
    expectThrows(() => new EG(null, [new ValueError(12)]), TypeError, MSG);
  });

  test("test_bad_EG_construction__bad_excs_sequence", () => {
    const EG = ExceptionGroup as unknown as new (...args: unknown[]) => ExceptionGroup;
    let MSG = /^second argument \(exceptions\) must be a sequence$/;
    expectThrows(() => new EG("errors not sequence", new Set([new ValueError(42)])), TypeError, MSG);
    expectThrows(() => new EG("eg", null), TypeError, MSG);
    MSG = /^second argument \(exceptions\) must be a non-empty sequence$/;
    expectThrows(() => new EG("eg", []), ValueError, MSG);
  });

  test("test_bad_EG_construction__nested_non_exceptions", () => {
    const EG = ExceptionGroup as unknown as new (...args: unknown[]) => ExceptionGroup;
    const MSG = /^Item [0-9]+ of second argument \(exceptions\) is not an exception$/;
    expectThrows(() => new EG("expect instance, not type", [OSError]), ValueError, MSG);
    expectThrows(() => new EG("bad error", ["not an exception"]), ValueError, MSG);
  });
});

describe("InstanceCreation", () => {
  test("test_EG_wraps_Exceptions__creates_EG", () => {
    const excs = [new ValueError(1), new TypeError(2)];
    assert.equal(new ExceptionGroup("eg", excs).constructor, ExceptionGroup);
  });

  test("test_BEG_wraps_Exceptions__creates_EG", () => {
    const excs = [new ValueError(1), new TypeError(2)];
    assert.equal(new BaseExceptionGroup("beg", excs).constructor, ExceptionGroup);
  });

  test("test_EG_wraps_BaseException__raises_TypeError", () => {
    const MSG = /Cannot nest BaseExceptions in an ExceptionGroup/;
    expectThrows(
      () => new ExceptionGroup("eg", [new ValueError(1), new KeyboardInterrupt(2)]),
      TypeError,
      MSG,
    );
  });

  test("test_BEG_wraps_BaseException__creates_BEG", () => {
    const beg = new BaseExceptionGroup("beg", [new ValueError(1), new KeyboardInterrupt(2)]);
    assert.equal(beg.constructor, BaseExceptionGroup);
  });

  test("test_EG_subclass_wraps_non_base_exceptions", () => {
    class MyEG extends ExceptionGroup {}
    assert.equal(new MyEG("eg", [new ValueError(12), new TypeError(42)]).constructor, MyEG);
  });

  test("test_EG_subclass_does_not_wrap_base_exceptions", () => {
    class MyEG extends ExceptionGroup {}
    const msg = /Cannot nest BaseExceptions in 'MyEG'/;
    expectThrows(() => new MyEG("eg", [new ValueError(12), new KeyboardInterrupt(42)]), TypeError, msg);
  });

  test("test_BEG_subclass_wraps_anything", () => {
    class MyBEG extends BaseExceptionGroup {}
    assert.equal(new MyBEG("eg", [new ValueError(12), new TypeError(42)]).constructor, MyBEG);
    assert.equal(new MyBEG("eg", [new ValueError(12), new KeyboardInterrupt(42)]).constructor, MyBEG);
  });
});

describe("StrAndReprTests", () => {
  test("test_ExceptionGroup", () => {
    let eg = new BaseExceptionGroup("flat", [new ValueError(1), new TypeError(2)]);
    assert.equal(py_str(eg), "flat (2 sub-exceptions)");
    assert.equal(repr(eg), "ExceptionGroup('flat', [ValueError(1), TypeError(2)])");

    eg = new BaseExceptionGroup("nested", [eg, new ValueError(1), eg, new TypeError(2)]);
    assert.equal(py_str(eg), "nested (4 sub-exceptions)");
    assert.equal(
      repr(eg),
      "ExceptionGroup('nested', " +
        "[ExceptionGroup('flat', " +
        "[ValueError(1), TypeError(2)]), " +
        "ValueError(1), " +
        "ExceptionGroup('flat', " +
        "[ValueError(1), TypeError(2)]), TypeError(2)])",
    );
  });

  test("test_BaseExceptionGroup", () => {
    let eg = new BaseExceptionGroup("flat", [new ValueError(1), new KeyboardInterrupt(2)]);
    assert.equal(py_str(eg), "flat (2 sub-exceptions)");
    assert.equal(repr(eg), "BaseExceptionGroup('flat', [ValueError(1), KeyboardInterrupt(2)])");

    eg = new BaseExceptionGroup("nested", [eg, new ValueError(1), eg]);
    assert.equal(py_str(eg), "nested (3 sub-exceptions)");
    assert.equal(
      repr(eg),
      "BaseExceptionGroup('nested', " +
        "[BaseExceptionGroup('flat', " +
        "[ValueError(1), KeyboardInterrupt(2)]), " +
        "ValueError(1), " +
        "BaseExceptionGroup('flat', " +
        "[ValueError(1), KeyboardInterrupt(2)])])",
    );
  });

  test("test_custom_exception", () => {
    class MyEG extends ExceptionGroup {}
    let eg = new MyEG("flat", [new ValueError(1), new TypeError(2)]);
    assert.equal(py_str(eg), "flat (2 sub-exceptions)");
    assert.equal(repr(eg), "MyEG('flat', [ValueError(1), TypeError(2)])");

    eg = new MyEG("nested", [eg, new ValueError(1), eg, new TypeError(2)]);
    assert.equal(py_str(eg), "nested (4 sub-exceptions)");
    assert.equal(
      repr(eg),
      "MyEG('nested', " +
        "[MyEG('flat', [ValueError(1), TypeError(2)]), " +
        "ValueError(1), " +
        "MyEG('flat', [ValueError(1), TypeError(2)]), " +
        "TypeError(2)])",
    );
  });

  // Not in CPython's file: one member is counted in the singular, as Python prints it.
  test("test_one_sub_exception", () => {
    assert.equal(py_str(new ExceptionGroup("one", [new ValueError(1)])), "one (1 sub-exception)");
    assert.equal(
      String(new ExceptionGroup("one", [new ValueError(1)])),
      "ExceptionGroup: one (1 sub-exception)",
    );
  });
});

describe("ExceptionGroupFields", () => {
  test("test_basics_ExceptionGroup_fields", () => {
    const eg = create_simple_eg();
    // check msg
    assert.equal(eg.message, "simple eg");
    assert.equal(eg.args[0], "simple eg");
    // check cause and context
    const [e0, e1, e2] = eg.exceptions as BaseException[];
    assert.ok(e0 instanceof ValueError);
    assert.ok(e0.__cause__ instanceof MemoryError);
    assert.ok(e0.__context__ instanceof MemoryError);
    assert.ok(e1 instanceof TypeError);
    assert.equal(e1.__cause__, null);
    assert.ok(e1.__context__ instanceof OSError);
    assert.ok(e2 instanceof ValueError);
    assert.equal(e2.__cause__, null);
    assert.ok(e2.__context__ instanceof RuntimeError);
  });

  test("test_fields_are_readonly", () => {
    const eg = new ExceptionGroup("eg", [new TypeError(1), new OSError(2)]);
    // (Python's tuple: a frozen array)
    assert.ok(Array.isArray(eg.exceptions) && Object.isFrozen(eg.exceptions));

    assert.equal(eg.message, "eg");
    expectThrows(() => {
      (eg as { message: string }).message = "new msg";
    }, AttributeError);
    assert.equal(eg.message, "eg");

    assert.equal(eg.exceptions.length, 2);
    expectThrows(() => {
      (eg as { exceptions: readonly Error[] }).exceptions = [new OSError("xyz")];
    }, AttributeError);
    assert.equal(eg.exceptions.length, 2);
  });
});

describe("ExceptionGroupSubgroupTests", () => {
  const setUp = () => ({
    eg: create_simple_eg(),
    eg_template: [new ValueError(1), new TypeError("<class 'int'>"), new ValueError(2)] as Template[],
  });

  test("test_basics_subgroup_split__bad_arg_type", () => {
    const { eg } = setUp();
    class C {}
    const bad_args: unknown[] = [
      "bad arg",
      C,
      new OSError("instance not type"),
      [OSError, 42],
    ];
    for (const arg of bad_args) {
      const cond = arg as typeof OSError;
      expectThrows(() => eg.subgroup(cond), TypeError);
      expectThrows(() => eg.split(cond), TypeError);
    }
  });

  test("test_basics_subgroup_by_type__passthrough", () => {
    const { eg } = setUp();
    assert.equal(eg.subgroup(BaseException), eg);
    assert.equal(eg.subgroup(Exception), eg);
    assert.equal(eg.subgroup(BaseExceptionGroup), eg);
    assert.equal(eg.subgroup(ExceptionGroup), eg);
  });

  test("test_basics_subgroup_by_type__no_match", () => {
    assert.equal(setUp().eg.subgroup(OSError), null);
  });

  test("test_basics_subgroup_by_type__match", () => {
    const { eg, eg_template } = setUp();
    const testcases: [ErrorClass | ErrorClass[], Template[]][] = [
      [ValueError, [new ValueError(1), new ValueError(2)]],
      [TypeError, [new TypeError("<class 'int'>")]],
      [[ValueError, TypeError], eg_template],
    ];
    for (const [match_type, template] of testcases) {
      const subeg = eg.subgroup(match_type)!;
      assert.equal(subeg.message, eg.message);
      assertMatchesTemplate(subeg, ExceptionGroup, template);
    }
  });

  // Python's Predicate(f) is a callable object; a function and a bound method are ported.
  const callables = (f: (e: Error) => boolean) => {
    const holder = {
      func: f,
      method(e: Error): boolean {
        return this.func(e);
      },
    };
    return [f, holder.method.bind(holder)];
  };

  test("test_basics_subgroup_by_predicate__passthrough", () => {
    const { eg } = setUp();
    for (const callable of callables(() => true)) assert.equal(eg.subgroup(callable), eg);
  });

  test("test_basics_subgroup_by_predicate__no_match", () => {
    const { eg } = setUp();
    for (const callable of callables(() => false)) assert.equal(eg.subgroup(callable), null);
  });

  test("test_basics_subgroup_by_predicate__match", () => {
    const { eg, eg_template } = setUp();
    const testcases: [ErrorClass[], Template[]][] = [
      [[ValueError], [new ValueError(1), new ValueError(2)]],
      [[TypeError], [new TypeError("<class 'int'>")]],
      [[ValueError, TypeError], eg_template],
    ];
    for (const [match_types, template] of testcases) {
      const f = (e: Error) => match_types.some((t) => e instanceof t);
      for (const callable of callables(f)) {
        const subeg = eg.subgroup(callable)!;
        assert.equal(subeg.message, eg.message);
        assertMatchesTemplate(subeg, ExceptionGroup, template);
      }
    }
  });
});

describe("ExceptionGroupSplitTests", () => {
  const setUp = () => ({
    eg: create_simple_eg(),
    eg_template: [new ValueError(1), new TypeError("<class 'int'>"), new ValueError(2)] as Template[],
  });
  const callables = (f: (e: Error) => boolean) => {
    const holder = {
      func: f,
      method(e: Error): boolean {
        return this.func(e);
      },
    };
    return [f, holder.method.bind(holder)];
  };

  test("test_basics_split_by_type__passthrough", () => {
    const { eg, eg_template } = setUp();
    for (const E of [BaseException, Exception, BaseExceptionGroup, ExceptionGroup]) {
      const [match, rest] = eg.split(E);
      assertMatchesTemplate(match, ExceptionGroup, eg_template);
      assert.equal(rest, null);
    }
  });

  test("test_basics_split_by_type__no_match", () => {
    const { eg, eg_template } = setUp();
    const [match, rest] = eg.split(OSError);
    assert.equal(match, null);
    assertMatchesTemplate(rest, ExceptionGroup, eg_template);
  });

  test("test_basics_split_by_type__match", () => {
    const { eg, eg_template } = setUp();
    const VE = ValueError;
    const TE = TypeError;
    const testcases: [ErrorClass | ErrorClass[], Template[], Template[] | null][] = [
      [VE, [new VE(1), new VE(2)], [new TE("<class 'int'>")]],
      [TE, [new TE("<class 'int'>")], [new VE(1), new VE(2)]],
      [[VE, TE], eg_template, null],
      [[OSError, VE], [new VE(1), new VE(2)], [new TE("<class 'int'>")]],
    ];
    for (const [match_type, match_template, rest_template] of testcases) {
      const [match, rest] = eg.split(match_type);
      assert.equal(match!.message, eg.message);
      assertMatchesTemplate(match, ExceptionGroup, match_template);
      if (rest_template !== null) {
        assert.equal(rest!.message, eg.message);
        assertMatchesTemplate(rest, ExceptionGroup, rest_template);
      } else {
        assert.equal(rest, null);
      }
    }
  });

  test("test_basics_split_by_predicate__passthrough", () => {
    const { eg, eg_template } = setUp();
    for (const callable of callables(() => true)) {
      const [match, rest] = eg.split(callable);
      assertMatchesTemplate(match, ExceptionGroup, eg_template);
      assert.equal(rest, null);
    }
  });

  test("test_basics_split_by_predicate__no_match", () => {
    const { eg, eg_template } = setUp();
    for (const callable of callables(() => false)) {
      const [match, rest] = eg.split(callable);
      assert.equal(match, null);
      assertMatchesTemplate(rest, ExceptionGroup, eg_template);
    }
  });

  test("test_basics_split_by_predicate__match", () => {
    const { eg, eg_template } = setUp();
    const VE = ValueError;
    const TE = TypeError;
    const testcases: [ErrorClass[], Template[], Template[] | null][] = [
      [[VE], [new VE(1), new VE(2)], [new TE("<class 'int'>")]],
      [[TE], [new TE("<class 'int'>")], [new VE(1), new VE(2)]],
      [[VE, TE], eg_template, null],
    ];
    for (const [match_types, match_template, rest_template] of testcases) {
      const f = (e: Error) => match_types.some((t) => e instanceof t);
      for (const callable of callables(f)) {
        const [match, rest] = eg.split(callable);
        assert.equal(match!.message, eg.message);
        assertMatchesTemplate(match, ExceptionGroup, match_template);
        if (rest_template !== null) {
          assert.equal(rest!.message, eg.message);
          assertMatchesTemplate(rest, ExceptionGroup, rest_template);
        }
      }
    }
  });
});

describe("LeafGeneratorTest", () => {
  test("test_leaf_generator", () => {
    const eg = create_simple_eg();
    assert.deepEqual([...leaf_generator(eg)], [...eg.exceptions]);
  });
});

function create_nested_eg(): ExceptionGroup {
  const te = new TypeError("<class 'bytes'>");
  const nested = raised_from(new ExceptionGroup("nested", [te]), null, te);
  const mem = new MemoryError("out of memory");
  const ve = raised_from(new ValueError(1), mem, mem);
  return new ExceptionGroup("root", [nested, ve]);
}

describe("NestedExceptionGroupBasicsTest", () => {
  test("test_nested_group_matches_template", () => {
    const eg = create_nested_eg();
    assertMatchesTemplate(eg, ExceptionGroup, [[new TypeError("<class 'bytes'>")], new ValueError(1)]);
  });

  test("test_nested_group_chaining", () => {
    const eg = create_nested_eg();
    const [e0, e1] = eg.exceptions as BaseException[];
    assert.ok(e1.__context__ instanceof MemoryError);
    assert.ok(e1.__cause__ instanceof MemoryError);
    assert.ok(e0.__context__ instanceof TypeError);
  });

  test("test_iteration_full_tracebacks", () => {
    // (the leaves only: see the top of the file)
    assert.equal([...leaf_generator(create_nested_eg())].length, 2);
  });
});

/** CPython's split_exception_group: splits and checks the parts' invariants. */
function split_exception_group(
  eg: BaseExceptionGroup,
  types: ErrorClass | ErrorClass[],
): [BaseExceptionGroup | null, BaseExceptionGroup | null] {
  assert.ok(eg instanceof BaseExceptionGroup);
  const [match, rest] = eg.split(types);
  const sg = eg.subgroup(types);
  // (Python's isinstance(): every error is a BaseException there, the port's TypeError too)
  const is_type = (e: Error) =>
    (Array.isArray(types) ? types : [types]).some((t) => t === BaseException || e instanceof t);

  if (match !== null) {
    assert.ok(match instanceof BaseExceptionGroup);
    for (const e of leaf_generator(match)) assert.ok(is_type(e));
    assert.notEqual(sg, null);
    assert.ok(sg instanceof BaseExceptionGroup);
    for (const e of leaf_generator(sg!)) assert.ok(is_type(e));
  }
  if (rest !== null) assert.ok(rest instanceof BaseExceptionGroup);

  const leaves = (exc: Error | null) => (exc === null ? [] : [...leaf_generator(exc)]);
  // match and subgroup have the same leaves
  assert.deepEqual(leaves(match), leaves(sg));
  const match_leaves = leaves(match);
  const rest_leaves = leaves(rest);
  // each leaf exception of eg is in exactly one of match and rest
  assert.equal(leaves(eg).length, match_leaves.length + rest_leaves.length);
  for (const e of leaves(eg)) {
    assert.notEqual(match_leaves.includes(e), rest_leaves.includes(e));
  }
  // message, cause and context, and notes equal to eg
  for (const part of [match, rest, sg]) {
    if (part !== null) {
      assert.equal(eg.message, part.message);
      assert.equal(eg.__cause__, part.__cause__);
      assert.equal(eg.__context__, part.__context__);
      assert.deepEqual(eg.__notes__, part.__notes__);
    }
  }
  return [match, rest];
}

describe("NestedExceptionGroupSplitTest", () => {
  test("test_split_by_type", () => {
    class MyExceptionGroup extends ExceptionGroup {}
    const level1 = (i: number) =>
      new ExceptionGroup("msg1", [new ValueError(i), new TypeError("<class 'int'>"), new ValueError(i + 1)]);
    const level2 = (i: number) =>
      new MyExceptionGroup("msg2", [level1(i), level1(i + 1), new ValueError(i + 2)]);
    const level3 = (i: number) => new ExceptionGroup("msg3", [level2(i + 1), new ValueError(i + 2)]);
    const eg = level3(5);
    eg.add_note("the note: eg");

    const TI = () => new TypeError("<class 'int'>");
    const VE = (n: number) => new ValueError(n);
    const eg_template: Template[] = [
      [[VE(6), TI(), VE(7)], [VE(7), TI(), VE(8)], VE(8)],
      VE(7),
    ];
    const valueErrors_template: Template[] = [[[VE(6), VE(7)], [VE(7), VE(8)], VE(8)], VE(7)];
    const typeErrors_template: Template[] = [[[TI()], [TI()]]];

    assertMatchesTemplate(eg, ExceptionGroup, eg_template);

    // Match Nothing
    let [match, rest] = split_exception_group(eg, RuntimeError);
    assert.equal(match, null);
    assertMatchesTemplate(rest, ExceptionGroup, eg_template);

    // Match Everything
    [match, rest] = split_exception_group(eg, BaseException);
    assertMatchesTemplate(match, ExceptionGroup, eg_template);
    assert.equal(rest, null);
    [match, rest] = split_exception_group(eg, [ValueError, TypeError]);
    assertMatchesTemplate(match, ExceptionGroup, eg_template);
    assert.equal(rest, null);

    // Match ValueErrors
    [match, rest] = split_exception_group(eg, ValueError);
    assertMatchesTemplate(match, ExceptionGroup, valueErrors_template);
    assertMatchesTemplate(rest, ExceptionGroup, typeErrors_template);

    // Match TypeErrors
    [match, rest] = split_exception_group(eg, [TypeError, RuntimeError]);
    assertMatchesTemplate(match, ExceptionGroup, typeErrors_template);
    assertMatchesTemplate(rest, ExceptionGroup, valueErrors_template);

    // Match ExceptionGroup
    [match, rest] = eg.split(ExceptionGroup);
    assert.equal(match, eg);
    assert.equal(rest, null);

    // Match MyExceptionGroup (ExceptionGroup subclass)
    [match, rest] = eg.split(MyExceptionGroup);
    assertMatchesTemplate(match, ExceptionGroup, [eg_template[0]]);
    assertMatchesTemplate(rest, ExceptionGroup, [eg_template[1]]);
  });

  test("test_split_BaseExceptionGroup", () => {
    const beg = new BaseExceptionGroup("beg", [new ValueError(1), new KeyboardInterrupt(2)]);

    // Match Nothing
    let [match, rest] = split_exception_group(beg, TypeError);
    assert.equal(match, null);
    assertMatchesTemplate(rest, BaseExceptionGroup, [new ValueError(1), new KeyboardInterrupt(2)]);

    // Match Everything
    [match, rest] = split_exception_group(beg, [ValueError, KeyboardInterrupt]);
    assertMatchesTemplate(match, BaseExceptionGroup, [new ValueError(1), new KeyboardInterrupt(2)]);
    assert.equal(rest, null);

    // Match ValueErrors
    [match, rest] = split_exception_group(beg, ValueError);
    assertMatchesTemplate(match, ExceptionGroup, [new ValueError(1)]);
    assertMatchesTemplate(rest, BaseExceptionGroup, [new KeyboardInterrupt(2)]);

    // Match KeyboardInterrupts
    [match, rest] = split_exception_group(beg, KeyboardInterrupt);
    assertMatchesTemplate(match, BaseExceptionGroup, [new KeyboardInterrupt(2)]);
    assertMatchesTemplate(rest, ExceptionGroup, [new ValueError(1)]);
  });

  test("test_split_copies_notes", () => {
    // each group a split makes has its own __notes__ list
    const eg = new ExceptionGroup("eg", [new ValueError(1), new TypeError(2)]);
    eg.add_note("note1");
    eg.add_note("note2");
    const orig_notes = [...eg.__notes__!];
    const [match, rest] = eg.split(TypeError) as [ExceptionGroup, ExceptionGroup];
    assert.deepEqual(eg.__notes__, orig_notes);
    assert.deepEqual(match.__notes__, orig_notes);
    assert.deepEqual(rest.__notes__, orig_notes);
    assert.notEqual(eg.__notes__, match.__notes__);
    assert.notEqual(eg.__notes__, rest.__notes__);
    assert.notEqual(match.__notes__, rest.__notes__);
    eg.add_note("eg");
    match.add_note("match");
    rest.add_note("rest");
    assert.deepEqual(eg.__notes__, [...orig_notes, "eg"]);
    assert.deepEqual(match.__notes__, [...orig_notes, "match"]);
    assert.deepEqual(rest.__notes__, [...orig_notes, "rest"]);
  });

  test("test_split_does_not_copy_non_sequence_notes", () => {
    // __notes__ should be a sequence, which is shallow copied; if it is not, the parts get none.
    const eg = new ExceptionGroup("eg", [new ValueError(1), new TypeError(2)]);
    (eg as { __notes__: unknown }).__notes__ = 123;
    const [match, rest] = eg.split(TypeError) as [ExceptionGroup, ExceptionGroup];
    assert.equal(match.__notes__, undefined);
    assert.equal(rest.__notes__, undefined);
  });

  test("test_drive_invalid_return_value", () => {
    class MyEg extends ExceptionGroup {
      override derive(_excs: readonly Error[]): BaseExceptionGroup {
        return 42 as unknown as BaseExceptionGroup;
      }
    }
    const eg = new MyEg("eg", [new TypeError(1), new ValueError(2)]);
    const msg = /derive must return an instance of BaseExceptionGroup/;
    expectThrows(() => eg.split(TypeError), TypeError, msg);
    expectThrows(() => eg.subgroup(TypeError), TypeError, msg);
  });
});

describe("NestedExceptionGroupSubclassSplitTest", () => {
  test("test_split_ExceptionGroup_subclass_no_derive_no_new_override", () => {
    class EG extends ExceptionGroup {}
    const te = new TypeError(2);
    const nested = raised_from(new EG("nested", [te]), null, te);
    const ve = new ValueError(1);
    const eg = raised_from(new EG("eg", [ve, nested]), null, ve);

    assertMatchesTemplate(eg, EG, [new ValueError(1), [new TypeError(2)]]);

    // Match Nothing
    let [match, rest] = split_exception_group(eg, OSError);
    assert.equal(match, null);
    assertMatchesTemplate(rest, ExceptionGroup, [new ValueError(1), [new TypeError(2)]]);

    // Match Everything
    [match, rest] = split_exception_group(eg, [ValueError, TypeError]);
    assertMatchesTemplate(match, ExceptionGroup, [new ValueError(1), [new TypeError(2)]]);
    assert.equal(rest, null);

    // Match ValueErrors
    [match, rest] = split_exception_group(eg, ValueError);
    assertMatchesTemplate(match, ExceptionGroup, [new ValueError(1)]);
    assertMatchesTemplate(rest, ExceptionGroup, [[new TypeError(2)]]);

    // Match TypeErrors
    [match, rest] = split_exception_group(eg, TypeError);
    assertMatchesTemplate(match, ExceptionGroup, [[new TypeError(2)]]);
    assertMatchesTemplate(rest, ExceptionGroup, [new ValueError(1)]);
  });

  // Replaces test_split_BaseExceptionGroup_subclass_no_derive_new_override (see the top): the
  // default derive() makes a plain group, without calling the subclass's constructor.
  test("test_split_derive_skips_subclass_constructor", () => {
    class EG extends BaseExceptionGroup {
      constructor(message: string, excs: readonly Error[], unused: string) {
        super(message, excs);
        if (unused !== "unused") throw new RuntimeError("called without its third argument");
      }
    }
    const eg = new EG("eg", [new ValueError(1), new KeyboardInterrupt(2)], "unused");
    assertMatchesTemplate(eg, EG, [new ValueError(1), new KeyboardInterrupt(2)]);

    let [match, rest] = split_exception_group(eg, OSError);
    assert.equal(match, null);
    assertMatchesTemplate(rest, BaseExceptionGroup, [new ValueError(1), new KeyboardInterrupt(2)]);

    [match, rest] = split_exception_group(eg, ValueError);
    assertMatchesTemplate(match, ExceptionGroup, [new ValueError(1)]);
    assertMatchesTemplate(rest, BaseExceptionGroup, [new KeyboardInterrupt(2)]);

    [match, rest] = split_exception_group(eg, KeyboardInterrupt);
    assertMatchesTemplate(match, BaseExceptionGroup, [new KeyboardInterrupt(2)]);
    assertMatchesTemplate(rest, ExceptionGroup, [new ValueError(1)]);
  });

  test("test_split_ExceptionGroup_subclass_derive_and_new_overrides", () => {
    class EG extends ExceptionGroup {
      constructor(message: string, excs: readonly Error[], readonly code: number) {
        super(message, excs);
      }
      override derive(excs: readonly Error[]): EG {
        return new EG(this.message, excs, this.code);
      }
    }
    const te = new TypeError(2);
    const nested = raised_from(new EG("nested", [te], 101), null, te);
    const ve = new ValueError(1);
    const eg = raised_from(new EG("eg", [ve, nested], 42), null, ve);

    assertMatchesTemplate(eg, EG, [new ValueError(1), [new TypeError(2)]]);
    const code = (g: unknown) => (g as EG).code;
    const sub = (g: unknown, i: number) => (g as EG).exceptions[i];

    // Match Nothing
    let [match, rest] = split_exception_group(eg, OSError);
    assert.equal(match, null);
    assertMatchesTemplate(rest, EG, [new ValueError(1), [new TypeError(2)]]);
    assert.equal(code(rest), 42);
    assert.equal(code(sub(rest, 1)), 101);

    // Match Everything
    [match, rest] = split_exception_group(eg, [ValueError, TypeError]);
    assertMatchesTemplate(match, EG, [new ValueError(1), [new TypeError(2)]]);
    assert.equal(code(match), 42);
    assert.equal(code(sub(match, 1)), 101);
    assert.equal(rest, null);

    // Match ValueErrors
    [match, rest] = split_exception_group(eg, ValueError);
    assertMatchesTemplate(match, EG, [new ValueError(1)]);
    assert.equal(code(match), 42);
    assertMatchesTemplate(rest, EG, [[new TypeError(2)]]);
    assert.equal(code(rest), 42);
    assert.equal(code(sub(rest, 0)), 101);

    // Match TypeErrors
    [match, rest] = split_exception_group(eg, TypeError);
    assertMatchesTemplate(match, EG, [[new TypeError(2)]]);
    assert.equal(code(match), 42);
    assert.equal(code(sub(match, 0)), 101);
    assertMatchesTemplate(rest, EG, [new ValueError(1)]);
    assert.equal(code(rest), 42);
  });
});

// Not in CPython's file: `args` and `exceptions` are tuples there, and repr() says so (checked
// against CPython 3.14.2: `('stop it',)`, `(ValueError('x'),)`).
describe("TupleFields", () => {
  test("test_args_and_exceptions_repr_as_tuples", () => {
    const e = new ValueError("stop it");
    assert.equal(repr(e.args), "('stop it',)");
    assert.equal(repr(new TypeError(1, "two").args), "(1, 'two')");
    assert.equal(repr(new RuntimeError().args), "()");
    assert.deepEqual([...e.args], ["stop it"]);
    e.args = ["other", 2];
    assert.equal(repr(e.args), "('other', 2)");
    const eg = new ExceptionGroup("eg", [new ValueError("x")]);
    assert.equal(repr(eg.exceptions), "(ValueError('x'),)");
    assert.equal(repr(eg.args), "('eg', [ValueError('x')])"); // the list it was given, as CPython keeps it
  });
});
