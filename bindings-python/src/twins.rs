//! `both!`: one body per method, two classes. The sync class waits for the body's future
//! with the GIL released; the asyncio class returns it as an awaitable. Methods that differ
//! (constructors, `__repr__`, returning the other class of a pair) go in each class's
//! `{ … }` block. Argument types are written in brackets (`name: [&Bound<'_, PyAny>]`) so
//! pyo3 sees their tokens (`**kwargs` must be spelled `Option<...>`);
//! a body may read `Self::ASYNCIO` where the two shapes differ in what they hand back.

macro_rules! both {
    ($sync:ident { $($sync_extra:tt)* }, $async:ident { $($async_extra:tt)* }
     $(, shared { $($shared:tt)* })?; $(
        $(#[$meta:meta])*
        fn $name:ident(&$s:ident $(, $arg:ident : [$($ty:tt)*])*) -> $out:ty $body:block
    )*) => {
        #[::pyo3::pymethods]
        impl $sync {
            $(
                $(#[$meta])*
                // Python keyword arguments, one parameter each.
                #[allow(clippy::too_many_arguments)]
                fn $name(
                    &$s,
                    py: ::pyo3::Python<'_> $(, $arg: $($ty)*)*
                ) -> ::pyo3::PyResult<$out> {
                    let future = $crate::runtime::guard(move || Ok($body))?;
                    $crate::runtime::wait(py, future)?
                }
            )*
            $($sync_extra)*
            $($($shared)*)?
        }

        #[::pyo3::pymethods]
        impl $async {
            $(
                $(#[$meta])*
                // Python keyword arguments, one parameter each.
                #[allow(clippy::too_many_arguments)]
                fn $name<'py>(
                    &$s,
                    py: ::pyo3::Python<'py> $(, $arg: $($ty)*)*
                ) -> ::pyo3::PyResult<::pyo3::Bound<'py, ::pyo3::PyAny>> {
                    let future = $crate::runtime::guard(move || Ok($body))?;
                    $crate::runtime::awaitable(py, future)
                }
            )*
            $($async_extra)*
            $($($shared)*)?
        }
    };
}

pub(crate) use both;
